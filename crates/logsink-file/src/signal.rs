//! Reopening every file on SIGHUP, which is how logrotate's `postrotate` tells a server that
//! its files were moved away.

use std::io;
use std::thread;

use signal_hook::consts::SIGHUP;
use signal_hook::iterator::{Handle, Signals};

/// Stops the SIGHUP thread when dropped; SIGHUP then no longer reopens files (nor ends the
/// process: the handler stays registered).
#[must_use = "dropping the guard stops reopening files on SIGHUP"]
#[derive(Debug)]
pub struct SighupGuard {
    handle: Handle,
    thread: Option<thread::JoinHandle<()>>,
}

impl Drop for SighupGuard {
    fn drop(&mut self) {
        self.handle.close();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Calls [`logcore::reopen`] on every SIGHUP, from a thread of its own (a signal handler
/// itself may do almost nothing). Pair it with logrotate's `postrotate`:
///
/// ```text
/// /var/log/vllm/*.txt {
///     daily
///     postrotate
///         kill -HUP $(cat /run/vllm.pid)
///     endscript
/// }
/// ```
///
/// A server on tokio can do the same with `tokio::signal::unix::signal(SignalKind::hangup())`.
pub fn reopen_on_sighup() -> io::Result<SighupGuard> {
    let mut signals = Signals::new([SIGHUP])?;
    let handle = signals.handle();
    let thread = thread::Builder::new()
        .name("logsink-file-sighup".to_owned())
        .spawn(move || {
            for _ in signals.forever() {
                logcore::reopen();
            }
        })?;
    Ok(SighupGuard {
        handle,
        thread: Some(thread),
    })
}
