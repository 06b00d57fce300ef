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

/// A program the tests need from outside (a collector such as `rsyslogd`): its path, looked
/// up in `PATH` and in `/usr/sbin` and `/usr/bin`. Without it, under `CI` this fails the test;
/// elsewhere it says loudly that the test was skipped and returns `None`.
pub fn require_tool(name: &str, install_hint: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/usr/bin".into(), "/sbin".into()])
        .map(|dir| dir.join(name))
        .find(|p| p.is_file());
    if found.is_some() {
        return found;
    }
    let why = format!("{name} is not installed; {install_hint}");
    assert!(std::env::var_os("CI").is_none(), "under CI nothing is skipped: {why}");
    eprintln!("SKIPPED (not run): {why}");
    None
}

/// Counts how often it is displayed.
pub struct CountsShows<'a>(pub &'a std::sync::atomic::AtomicUsize);

impl std::fmt::Display for CountsShows<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        write!(f, "shown ({n})")
    }
}
