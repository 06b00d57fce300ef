//! Shared setup: one installed logger per test binary, writing into a memory sink, and
//! logger values for tests that must not share state.
#![allow(dead_code, unreachable_pub)]

use std::sync::OnceLock;

use logcore::{CapturedRecord, Config, LevelFilter, Logger, LoggerBuilder, LoggerGuard, MemorySink, SinkOptions};

/// The memory sink of this process's installed logger (installed on first use, at TRACE).
pub fn installed() -> &'static MemorySink {
    static MEMORY: OnceLock<(MemorySink, LoggerGuard)> = OnceLock::new();
    &MEMORY
        .get_or_init(|| {
            let memory = MemorySink::new();
            let guard = LoggerBuilder::new(quiet_config(LevelFilter::TRACE))
                .sink("memory", memory.clone(), SinkOptions::default())
                .install()
                .expect("first install in this process");
            (memory, guard)
        })
        .0
}

/// Records of the installed logger from `target` (tests in one binary run at once, so each
/// uses its own target).
pub fn records(target: &str) -> Vec<CapturedRecord> {
    installed()
        .records()
        .into_iter()
        .filter(|r| r.target == target)
        .collect()
}

/// A configuration with no console, at `level`.
pub fn quiet_config(level: LevelFilter) -> Config {
    let mut config = Config::default();
    config.level = level;
    config.console.enabled = false;
    config
}

/// A logger value (not installed) with a memory sink.
pub fn logger_with_memory(config: Config) -> (Logger, MemorySink) {
    let memory = MemorySink::new();
    let logger = LoggerBuilder::new(config)
        .sink("memory", memory.clone(), SinkOptions::default())
        .build()
        .expect("valid configuration");
    (logger, memory)
}
