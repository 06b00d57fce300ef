//! Shared setup: `logcore`'s installed memory-sink logger (its own test support, included),
//! and a monitor per test with its own target and a clock the test moves.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;

use logcore::CapturedRecord;
use perfmon::{ManualClock, Monitor, MonitorBuilder};

/// `logcore`'s own test setup: one installed logger per test binary into a memory sink.
#[path = "../../../logcore/tests/support/mod.rs"]
mod logcore_support;

#[allow(unused_imports)] // not every test binary reads records
pub use logcore_support::{installed, records};

/// A monitor logging to `target` with a manual clock, and the logger installed.
pub fn monitor(target: &'static str) -> (Monitor, Arc<ManualClock>) {
    monitor_with(target, Monitor::builder())
}

/// The same from a builder with more settings.
pub fn monitor_with(target: &'static str, builder: MonitorBuilder) -> (Monitor, Arc<ManualClock>) {
    installed();
    let clock = Arc::new(ManualClock::new());
    let monitor = builder.target(target).clock(clock.clone()).build().expect("monitor");
    (monitor, clock)
}

/// The fields of a record as `key=value` pairs, for whole-line comparisons.
pub fn fields(r: &CapturedRecord) -> String {
    r.fields
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The Python interpreter that has `module` (from `TEST_PYTHON`, which `cargo xtask test`
/// sets, or else `python3`). Without one, under `CI` this fails the test; elsewhere it says
/// loudly that the test was skipped and returns `None`.
pub fn python_with(module: &str) -> Option<std::path::PathBuf> {
    let python = std::env::var_os("TEST_PYTHON").map_or_else(|| "python3".into(), std::path::PathBuf::from);
    let has = std::process::Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if has {
        return Some(python);
    }
    let why = format!(
        "{} cannot import {module}; `cargo xtask test` installs it into target/test-python",
        python.display()
    );
    assert!(std::env::var_os("CI").is_none(), "under CI nothing is skipped: {why}");
    eprintln!("SKIPPED (not run): {why}");
    None
}
