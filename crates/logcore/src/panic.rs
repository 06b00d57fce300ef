//! The panic hook: a panic is logged at CRITICAL with its message, location, thread, request
//! id and backtrace, and every sink is flushed before the previous hook runs (which may abort).

use std::backtrace::Backtrace;
use std::cell::Cell;
use std::panic::PanicHookInfo;
use std::sync::Once;
use std::time::Duration;

use logfmt::{Level, Value};

use crate::logger::Record;

/// The target of panic records.
pub const PANIC_TARGET: &str = "panic";

/// How long the hook waits for sinks to write the panic before handing on.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(2);

thread_local! {
    static IN_HOOK: Cell<bool> = const { Cell::new(false) };
}

/// Installs the hook (once per process; [`install`](crate::install) does it unless the
/// configuration says `panic_hook = false`). The previous hook still runs afterwards.
pub fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            log_panic(info);
            previous(info);
        }));
    });
}

fn log_panic(info: &PanicHookInfo<'_>) {
    let Some(logger) = crate::logger() else {
        return;
    };
    // A panic while logging a panic must not recurse.
    if IN_HOOK.try_with(|h| h.replace(true)).unwrap_or(true) {
        return;
    }
    let payload = info
        .payload()
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| info.payload().downcast_ref::<String>().map(String::as_str))
        .unwrap_or("Box<dyn Any>");
    let thread = crate::logger::thread_label();
    let (file, line, column) = info
        .location()
        .map_or(("<unknown>", 0, 0), |l| (l.file(), l.line(), l.column()));
    let message = format!("thread '{thread}' panicked at {file}:{line}:{column}: {payload}");
    let lines = crate::helpers::backtrace_lines(&Backtrace::force_capture());
    let details: Vec<&dyn std::fmt::Display> = lines.iter().map(|l| l as &dyn std::fmt::Display).collect();
    let fields = [("thread", Value::Str(&thread))];
    logger.dispatch(&Record {
        level: Level::Critical,
        target: PANIC_TARGET,
        function: None,
        file: Some(file),
        line: Some(line),
        message: &message,
        fields: &fields,
        details: &details,
        request_id: None,
    });
    // A worker's flush of its own queue returns at once, so this never waits on itself.
    logger.flush_timeout(FLUSH_TIMEOUT);
    let _ = IN_HOOK.try_with(|h| h.set(false));
}
