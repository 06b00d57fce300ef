//! Retention and compression: exactly the right files go, compressed files hold exactly the
//! bytes written, the newest rotated file stays plain, and an interrupted compression is
//! repaired without losing the plain file.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use logcore::{Sink as _, Zone};
use logsink_file::{FileSink, FileSinkBuilder};
use support::{clock, info, lines, logger, names, utc};

/// Writes `per_day` records on each of `days` consecutive days from 2025-01-01 and waits for
/// housekeeping; returns the sink.
fn run_days(dir: &Path, builder: FileSinkBuilder, days: u32, per_day: u32) -> Arc<FileSink> {
    let sink = Arc::new(builder.zone(Zone::utc()).build().unwrap());
    let clock = clock(utc(2025, 1, 1, 12, 0, 0));
    let logger = logger(Arc::clone(&sink), clock.clone());
    for day in 0..days {
        clock.set(utc(2025, 1, 1 + day, 12, 0, 0));
        for n in 0..per_day {
            info(&logger, "app", format_args!("day {} record {n}", day + 1));
        }
        // One day at a time through the writer, as in a real run.
        assert!(logger.flush_timeout(Duration::from_secs(5)));
    }
    assert!(sink.wait_housekeeping(Duration::from_secs(10)), "housekeeping finished");
    let _ = dir;
    sink
}

fn day_file(day: u32) -> String {
    format!("logging_vllmserver_2025-01-{day:02}.txt")
}

#[test]
fn max_days_keeps_exactly_the_newest_days_and_leaves_other_files_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a log file").unwrap();
    std::fs::write(dir.path().join("logging_vllmserver_latest.txt"), "not ours either").unwrap();
    let sink = run_days(dir.path(), FileSink::builder(dir.path()).max_days(Some(3)), 10, 2);
    let mut expected = vec![
        day_file(8),
        day_file(9),
        day_file(10),
        "logging_vllmserver_latest.txt".to_owned(),
        "notes.txt".to_owned(),
    ];
    expected.sort();
    assert_eq!(names(dir.path()), expected);
    assert_eq!(sink.stats().extra["removed"], 7);
}

#[test]
fn max_files_keeps_exactly_the_newest_files() {
    let dir = tempfile::tempdir().unwrap();
    let sink = run_days(
        dir.path(),
        FileSink::builder(dir.path()).max_days(None).max_files(Some(4)),
        6,
        1,
    );
    assert_eq!(names(dir.path()), [day_file(3), day_file(4), day_file(5), day_file(6)]);
    assert_eq!(sink.stats().extra["removed"], 2);
}

#[test]
fn max_files_counts_size_rotated_files_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    let sink = run_days(
        dir.path(),
        FileSink::builder(dir.path())
            .max_days(None)
            .max_size(Some(200))
            .max_files(Some(3)),
        1,
        12,
    );
    // One line a file: files .0 to .N; the newest three stay.
    let last = sink.stats().extra["rotations"];
    assert!(last >= 5, "size rotations happened");
    let mut expected: Vec<String> = (last - 2..=last)
        .map(|i| format!("logging_vllmserver_2025-01-01.{i}.txt"))
        .collect();
    expected.sort();
    assert_eq!(names(dir.path()), expected);
    assert_eq!(sink.stats().extra["removed"], last + 1 - 3);
}

#[test]
fn compression_leaves_the_newest_rotated_file_plain_and_keeps_every_byte() {
    let dir = tempfile::tempdir().unwrap();
    let sink = run_days(dir.path(), FileSink::builder(dir.path()).compress(true), 4, 50);
    assert_eq!(
        names(dir.path()),
        [
            format!("{}.gz", day_file(1)),
            format!("{}.gz", day_file(2)),
            day_file(3),
            day_file(4)
        ]
    );
    for day in 1..=4u32 {
        let name = if day <= 2 {
            format!("{}.gz", day_file(day))
        } else {
            day_file(day)
        };
        let messages = support::messages(&dir.path().join(&name));
        let expected: Vec<String> = (0..50).map(|n| format!("day {day} record {n}")).collect();
        assert_eq!(messages, expected, "{name}");
    }
    assert_eq!(sink.stats().extra["compressed"], 2);
}

#[test]
fn compression_without_delay_compresses_every_rotated_file() {
    let dir = tempfile::tempdir().unwrap();
    run_days(
        dir.path(),
        FileSink::builder(dir.path()).compress(true).delay_compress(false),
        3,
        5,
    );
    assert_eq!(
        names(dir.path()),
        [
            format!("{}.gz", day_file(1)),
            format!("{}.gz", day_file(2)),
            day_file(3)
        ]
    );
}

#[test]
fn an_interrupted_compression_is_finished_and_never_loses_the_plain_file() {
    let dir = tempfile::tempdir().unwrap();
    // A crash while writing day 1's archive: a partial temporary beside the plain file.
    let day1 = "logging_vllmserver_2025-01-01.txt";
    let day1_text = "2025-01-01 12:00:00 | INFO     | app | - | no-req | day 1 record 0\n";
    std::fs::write(dir.path().join(day1), day1_text).unwrap();
    std::fs::write(dir.path().join(format!("{day1}.gz.tmp")), [0x1f, 0x8b, 0x08]).unwrap();
    // A crash after day 2's archive was renamed into place but before the plain file went.
    let day2 = "logging_vllmserver_2025-01-02.txt";
    let day2_text = "2025-01-02 12:00:00 | INFO     | app | - | no-req | day 2 record 0\n";
    std::fs::write(dir.path().join(day2), day2_text).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, day2_text.as_bytes()).unwrap();
    std::fs::write(dir.path().join(format!("{day2}.gz")), gz.finish().unwrap()).unwrap();

    // The next start, on day 4, repairs both.
    let sink = Arc::new(
        FileSink::builder(dir.path())
            .zone(Zone::utc())
            .compress(true)
            .delay_compress(false)
            .build()
            .unwrap(),
    );
    let logger = logger(Arc::clone(&sink), clock(utc(2025, 1, 4, 12, 0, 0)));
    info(&logger, "app", format_args!("day 4"));
    assert!(logger.flush_timeout(Duration::from_secs(5)));
    assert!(sink.wait_housekeeping(Duration::from_secs(10)));
    assert_eq!(
        names(dir.path()),
        [format!("{day1}.gz"), format!("{day2}.gz"), day_file(4)]
    );
    assert_eq!(
        lines(&dir.path().join(format!("{day1}.gz"))).join("\n") + "\n",
        day1_text
    );
    assert_eq!(
        lines(&dir.path().join(format!("{day2}.gz"))).join("\n") + "\n",
        day2_text
    );
}

#[test]
fn records_of_a_compressed_day_go_to_a_new_file_of_that_day() {
    let dir = tempfile::tempdir().unwrap();
    let sink = run_days(
        dir.path(),
        FileSink::builder(dir.path()).compress(true).delay_compress(false),
        3,
        1,
    );
    drop(sink);
    // A late record stamped with day 1 (whose file is compressed) must not be appended to a
    // plain file that the archive would then shadow.
    let sink = Arc::new(FileSink::builder(dir.path()).zone(Zone::utc()).build().unwrap());
    let logger = logger(Arc::clone(&sink), clock(utc(2025, 1, 1, 23, 0, 0)));
    info(&logger, "app", format_args!("late"));
    assert!(logger.flush_timeout(Duration::from_secs(5)));
    assert!(names(dir.path()).contains(&"logging_vllmserver_2025-01-01.1.txt".to_owned()));
    assert_eq!(lines(&dir.path().join(format!("{}.gz", day_file(1)))).len(), 1);
}
