//! Which file a record goes to: local midnight in a zone with daylight saving (both changes),
//! UTC midnight, size rotation within a day, and a restart on the same day.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use logcore::{Timestamp, Zone};
use logsink_file::FileSink;
use support::{clock, info, lines, logger, messages, names, utc};

fn new_york() -> Zone {
    Zone::posix("EST5EDT,M3.2.0,M11.1.0").unwrap()
}

/// Logs one record at each instant (its message names it) and returns the file names.
fn write_at(dir: &Path, zone: Zone, instants: &[(&str, Timestamp)]) -> Vec<String> {
    let sink = Arc::new(FileSink::builder(dir).zone(zone).max_days(None).build().unwrap());
    let clock = clock(instants[0].1);
    let logger = logger(Arc::clone(&sink), clock.clone());
    for (label, at) in instants {
        clock.set(*at);
        info(&logger, "app", format_args!("{label}"));
    }
    assert!(logger.flush_timeout(Duration::from_secs(5)));
    names(dir)
}

#[test]
fn spring_forward_day_has_23_hours_in_one_file() {
    let dir = tempfile::tempdir().unwrap();
    // New York, 2025-03-09: 02:00 EST becomes 03:00 EDT.
    let names = write_at(
        dir.path(),
        new_york(),
        &[
            ("sat 23:59:59 EST", utc(2025, 3, 9, 4, 59, 59)),
            ("sun 00:00:00 EST", utc(2025, 3, 9, 5, 0, 0)),
            ("sun 01:59:59 EST", utc(2025, 3, 9, 6, 59, 59)),
            ("sun 03:00:00 EDT", utc(2025, 3, 9, 7, 0, 0)),
            ("sun 23:59:59 EDT", utc(2025, 3, 10, 3, 59, 59)),
            ("mon 00:00:00 EDT", utc(2025, 3, 10, 4, 0, 0)),
        ],
    );
    assert_eq!(
        names,
        [
            "logging_vllmserver_2025-03-08.txt",
            "logging_vllmserver_2025-03-09.txt",
            "logging_vllmserver_2025-03-10.txt"
        ]
    );
    let day = |d: &str| messages(&dir.path().join(format!("logging_vllmserver_2025-03-{d}.txt")));
    assert_eq!(day("08"), ["sat 23:59:59 EST"]);
    assert_eq!(
        day("09"),
        [
            "sun 00:00:00 EST",
            "sun 01:59:59 EST",
            "sun 03:00:00 EDT",
            "sun 23:59:59 EDT"
        ]
    );
    assert_eq!(day("10"), ["mon 00:00:00 EDT"]);
    // The lines show local wall-clock time, which jumps from 01:59:59 to 03:00:00.
    let sunday = lines(&dir.path().join("logging_vllmserver_2025-03-09.txt"));
    assert!(sunday[1].starts_with("2025-03-09 01:59:59"), "{}", sunday[1]);
    assert!(sunday[2].starts_with("2025-03-09 03:00:00"), "{}", sunday[2]);
}

#[test]
fn fall_back_day_has_25_hours_in_one_file() {
    let dir = tempfile::tempdir().unwrap();
    // New York, 2025-11-02: 02:00 EDT becomes 01:00 EST; 01:30 happens twice.
    let names = write_at(
        dir.path(),
        new_york(),
        &[
            ("sat 23:59:59 EDT", utc(2025, 11, 2, 3, 59, 59)),
            ("sun 00:00:00 EDT", utc(2025, 11, 2, 4, 0, 0)),
            ("sun 01:30 EDT", utc(2025, 11, 2, 5, 30, 0)),
            ("sun 01:30 EST", utc(2025, 11, 2, 6, 30, 0)),
            ("sun 23:59:59 EST", utc(2025, 11, 3, 4, 59, 59)),
            ("mon 00:00:00 EST", utc(2025, 11, 3, 5, 0, 0)),
        ],
    );
    assert_eq!(
        names,
        [
            "logging_vllmserver_2025-11-01.txt",
            "logging_vllmserver_2025-11-02.txt",
            "logging_vllmserver_2025-11-03.txt"
        ]
    );
    let day = |d: &str| messages(&dir.path().join(format!("logging_vllmserver_2025-11-{d}.txt")));
    assert_eq!(day("01"), ["sat 23:59:59 EDT"]);
    assert_eq!(
        day("02"),
        ["sun 00:00:00 EDT", "sun 01:30 EDT", "sun 01:30 EST", "sun 23:59:59 EST"]
    );
    assert_eq!(day("03"), ["mon 00:00:00 EST"]);
}

#[test]
fn the_named_zone_agrees_with_the_rule() {
    // Where the system has a zone database, America/New_York gives the same files.
    let Ok(zone) = Zone::named("America/New_York") else {
        eprintln!("no zone database here; the POSIX rule tests cover New York");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let names = write_at(
        dir.path(),
        zone,
        &[
            ("before", utc(2025, 3, 10, 3, 59, 59)),
            ("after", utc(2025, 3, 10, 4, 0, 0)),
        ],
    );
    assert_eq!(
        names,
        ["logging_vllmserver_2025-03-09.txt", "logging_vllmserver_2025-03-10.txt"]
    );
}

#[test]
fn utc_midnight_when_configured() {
    let dir = tempfile::tempdir().unwrap();
    let names = write_at(
        dir.path(),
        Zone::utc(),
        &[
            ("last", utc(2025, 1, 19, 23, 59, 59)),
            ("first", utc(2025, 1, 20, 0, 0, 0)),
        ],
    );
    assert_eq!(
        names,
        ["logging_vllmserver_2025-01-19.txt", "logging_vllmserver_2025-01-20.txt"]
    );
}

#[test]
fn a_size_limit_numbers_the_files_of_a_day_and_keeps_lines_whole() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Arc::new(
        FileSink::builder(dir.path())
            .zone(Zone::utc())
            .max_size(Some(1000))
            .max_days(None)
            .build()
            .unwrap(),
    );
    let clock = clock(utc(2025, 1, 19, 12, 0, 0));
    let logger = logger(Arc::clone(&sink), clock);
    for n in 0..40 {
        info(&logger, "app", format_args!("record {n:02} {}", "x".repeat(60)));
    }
    assert!(logger.flush_timeout(Duration::from_secs(5)));
    let names = names(dir.path());
    assert!(names.len() >= 4, "{names:?}");
    assert!(
        names.contains(&"logging_vllmserver_2025-01-19.txt".to_owned()),
        "{names:?}"
    );
    assert!(
        names.contains(&"logging_vllmserver_2025-01-19.1.txt".to_owned()),
        "{names:?}"
    );
    let mut seen = Vec::new();
    for index in 0..names.len() {
        let name = if index == 0 {
            "logging_vllmserver_2025-01-19.txt".to_owned()
        } else {
            format!("logging_vllmserver_2025-01-19.{index}.txt")
        };
        let path = dir.path().join(&name);
        assert!(std::fs::metadata(&path).unwrap().len() <= 1000, "{name}");
        seen.extend(messages(&path));
    }
    let expected: Vec<String> = (0..40).map(|n| format!("record {n:02} {}", "x".repeat(60))).collect();
    assert_eq!(seen, expected);
    assert_eq!(logcore::Sink::stats(&*sink).extra["rotations"], names.len() as u64 - 1);
}

#[test]
fn a_restart_on_the_same_day_appends_to_that_days_file() {
    let dir = tempfile::tempdir().unwrap();
    let at = utc(2025, 1, 19, 9, 0, 0);
    for run in ["first run", "second run"] {
        let sink = Arc::new(FileSink::builder(dir.path()).zone(Zone::utc()).build().unwrap());
        let logger = logger(Arc::clone(&sink), clock(at));
        info(&logger, "app", format_args!("{run}"));
        assert!(logger.shutdown());
    }
    assert_eq!(names(dir.path()), ["logging_vllmserver_2025-01-19.txt"]);
    assert_eq!(
        messages(&dir.path().join("logging_vllmserver_2025-01-19.txt")),
        ["first run", "second run"]
    );
}

#[test]
fn a_restart_with_a_size_limit_continues_the_newest_file_of_the_day() {
    let dir = tempfile::tempdir().unwrap();
    let at = utc(2025, 1, 19, 9, 0, 0);
    for run in 0..2 {
        let sink = Arc::new(
            FileSink::builder(dir.path())
                .zone(Zone::utc())
                .max_size(Some(300))
                .build()
                .unwrap(),
        );
        let logger = logger(Arc::clone(&sink), clock(at));
        for n in 0..3 {
            info(&logger, "app", format_args!("run {run} record {n}"));
        }
        assert!(logger.shutdown());
    }
    // About 80 bytes a line: 3 lines a file; the second run starts a new file only when the
    // newest one is full.
    let all: Vec<String> = names(dir.path())
        .iter()
        .flat_map(|n| messages(&dir.path().join(n)))
        .collect();
    assert_eq!(all.len(), 6);
    let newest_first_run = lines(&dir.path().join("logging_vllmserver_2025-01-19.txt"));
    assert!(newest_first_run.len() <= 3);
    for name in names(dir.path()) {
        assert!(
            std::fs::metadata(dir.path().join(&name)).unwrap().len() <= 300,
            "{name}"
        );
    }
}

#[test]
fn files_are_created_with_mode_0640_and_their_directory() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("var/log/vllm");
    let sink = Arc::new(FileSink::builder(&nested).zone(Zone::utc()).build().unwrap());
    let logger = logger(Arc::clone(&sink), clock(utc(2025, 1, 19, 9, 0, 0)));
    info(&logger, "app", format_args!("hello"));
    assert!(logger.flush_timeout(Duration::from_secs(5)));
    let file = nested.join("logging_vllmserver_2025-01-19.txt");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    // The umask can only take bits away.
    assert_eq!(mode & !0o640, 0, "mode {mode:o}");
    assert_eq!(mode & 0o600, 0o600, "mode {mode:o}");
}

#[test]
fn an_idle_loggers_line_reaches_the_file_within_100_ms() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Arc::new(FileSink::builder(dir.path()).zone(Zone::utc()).build().unwrap());
    let logger = logger(Arc::clone(&sink), clock(utc(2025, 1, 19, 9, 0, 0)));
    // Let the worker settle into its idle wait first.
    std::thread::sleep(Duration::from_millis(120));
    let file = dir.path().join("logging_vllmserver_2025-01-19.txt");
    info(&logger, "app", format_args!("one line"));
    let arrived = support::eventually(Duration::from_millis(100), || {
        std::fs::read_to_string(&file).is_ok_and(|t| t.contains("one line"))
    });
    assert!(arrived, "no flush asked for, yet the line is in the file");
}
