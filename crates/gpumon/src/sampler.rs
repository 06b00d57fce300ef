//! A thread that reads the GPUs at a set interval and hands each reading to a callback
//! (`perfmon` uses it to feed its gauges), until its guard is dropped.

use std::fmt;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

use crate::{Gpus, Probe};

struct Stop {
    stopped: Mutex<bool>,
    wake: Condvar,
}

/// Stops the sampler thread when dropped.
#[must_use = "the sampler stops when the guard is dropped"]
pub struct SamplerGuard {
    stop: Arc<Stop>,
    thread: Option<JoinHandle<()>>,
}

/// Starts a thread named `gpu-sampler` that calls `on_sample` at once and then every
/// `interval` with a fresh [`Probe`] (an `Unavailable` one, once, when there is no GPU: it
/// does not retry a missing driver).
///
/// ```
/// use std::sync::mpsc;
/// let (tx, rx) = mpsc::channel();
/// let guard = gpumon::sample_every(std::time::Duration::from_secs(5), move |probe| {
///     let _ = tx.send(probe.to_string());
/// })
/// .unwrap();
/// println!("{}", rx.recv().unwrap()); // "no GPU: libcuda.so.1 not found: ..." here
/// drop(guard);
/// ```
pub fn sample_every(
    interval: Duration,
    mut on_sample: impl FnMut(&Probe) + Send + 'static,
) -> std::io::Result<SamplerGuard> {
    let stop = Arc::new(Stop {
        stopped: Mutex::new(false),
        wake: Condvar::new(),
    });
    let shared = Arc::clone(&stop);
    let thread = std::thread::Builder::new().name("gpu-sampler".into()).spawn(move || {
        let gpus = match Gpus::open() {
            Ok(gpus) => gpus,
            Err(reason) => return on_sample(&Probe::Unavailable { reason }),
        };
        let mut stopped = shared.stopped.lock();
        while !*stopped {
            drop(stopped);
            on_sample(&gpus.probe());
            stopped = shared.stopped.lock();
            if !*stopped {
                shared.wake.wait_for(&mut stopped, interval);
            }
        }
    })?;
    Ok(SamplerGuard {
        stop,
        thread: Some(thread),
    })
}

impl Drop for SamplerGuard {
    fn drop(&mut self) {
        *self.stop.stopped.lock() = true;
        self.stop.wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl fmt::Debug for SamplerGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SamplerGuard").finish_non_exhaustive()
    }
}
