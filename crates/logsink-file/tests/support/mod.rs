//! Shared setup for the file sink's tests: loggers over a file sink with an injected clock,
//! timestamps from calendar dates, and reading back what the files hold.
#![allow(dead_code, unreachable_pub)]

use std::fs;
use std::io::{BufRead as _, BufReader, Read as _};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use logcore::{Clock, Config, LevelFilter, Logger, LoggerBuilder, ManualClock, SinkOptions, Timestamp};
use logsink_file::FileSink;

/// A logger value (not installed) at TRACE with no console, over `sink`, reading `clock`.
pub fn logger(sink: Arc<FileSink>, clock: Arc<dyn Clock>) -> Logger {
    let mut config = Config::default();
    config.level = LevelFilter::TRACE;
    config.console.enabled = false;
    config.panic_hook = false;
    LoggerBuilder::new(config)
        .sink("file", sink, SinkOptions::default())
        .clock(clock)
        .build()
        .expect("valid configuration")
}

/// Logs one INFO record from `target` through `logger`.
pub fn info(logger: &Logger, target: &str, message: std::fmt::Arguments<'_>) {
    log::Log::log(
        logger,
        &log::Record::builder()
            .args(message)
            .level(log::Level::Info)
            .target(target)
            .build(),
    );
}

/// A manual clock at `at`.
pub fn clock(at: Timestamp) -> Arc<ManualClock> {
    Arc::new(ManualClock::new(at))
}

/// The instant of a UTC calendar date and time.
pub fn utc(year: i32, month: u32, day: u32, hour: i64, minute: i64, second: i64) -> Timestamp {
    // Howard Hinnant's days_from_civil.
    let (y, m, d) = (
        i64::from(year) - i64::from(month <= 2),
        i64::from(month),
        i64::from(day),
    );
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    Timestamp::new(days * 86_400 + hour * 3600 + minute * 60 + second, 0)
}

/// The names of the files in `dir`, sorted.
pub fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("the directory is readable")
        .map(|e| e.expect("an entry").file_name().into_string().expect("a UTF-8 name"))
        .collect();
    names.sort();
    names
}

/// The lines of a file, decompressing `.gz` files.
pub fn lines(path: &Path) -> Vec<String> {
    let text = if path.extension().is_some_and(|e| e == "gz") {
        let mut text = String::new();
        flate2::read::MultiGzDecoder::new(fs::File::open(path).expect("the file opens"))
            .read_to_string(&mut text)
            .expect("the file decompresses");
        text
    } else {
        fs::read_to_string(path).expect("the file is UTF-8 text")
    };
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "{} ends in a partial line",
        path.display()
    );
    text.lines().map(str::to_owned).collect()
}

/// The messages of a file's lines (what follows the last ` | `).
pub fn messages(path: &Path) -> Vec<String> {
    lines(path)
        .iter()
        .map(|l| l.rsplit(" | ").next().expect("a pipe line").to_owned())
        .collect()
}

/// Streams the lines of a file to `each`.
pub fn each_line(path: &Path, mut each: impl FnMut(&str)) {
    let reader = BufReader::with_capacity(1 << 20, fs::File::open(path).expect("the file opens"));
    for line in reader.lines() {
        each(&line.expect("a UTF-8 line"));
    }
}

/// Waits up to `timeout` for `done`, polling.
pub fn eventually(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if done() {
            return true;
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Whether this process may mount file systems (tests of a full disk mount a small tmpfs).
pub fn can_mount() -> bool {
    let probe = tempfile::tempdir().expect("a temporary directory");
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(probe.path())
        .status()
        .is_ok_and(|s| s.success());
    if mounted {
        let _ = std::process::Command::new("umount").arg(probe.path()).status();
    }
    mounted
}

/// Says loudly that a test could not run here, or fails under CI, where it must.
pub fn skip_or_fail(test: &str, why: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{test} cannot run: {why} (CI must run it: run the tests as root)"
    );
    eprintln!("SKIPPED {test}: {why}; run the tests as root to include it");
}
