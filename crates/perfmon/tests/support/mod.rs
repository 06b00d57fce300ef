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
pub use logcore_support::{installed, python_with, records};

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
