//! Living with the world outside: an external logrotate renaming the file, a deleted
//! directory, a full disk, and directories that cannot be used.

mod support;

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use logcore::{Sink as _, Zone};
use logsink_file::{FileError, FileSink};
use support::{clock, eventually, info, lines, logger, messages, names, utc};

const TODAY: &str = "logging_vllmserver_2025-01-19.txt";

#[test]
fn a_file_renamed_underneath_is_noticed_and_reopened() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Arc::new(FileSink::builder(dir.path()).zone(Zone::utc()).build().unwrap());
    let logger = logger(Arc::clone(&sink), clock(utc(2025, 1, 19, 9, 0, 0)));
    info(&logger, "app", format_args!("before the rename"));
    assert!(logger.flush_timeout(Duration::from_secs(5)));
    // What logrotate does without copytruncate: move the file away, and (here) no SIGHUP.
    std::fs::rename(dir.path().join(TODAY), dir.path().join(format!("{TODAY}.1"))).unwrap();
    let reopened = eventually(Duration::from_secs(3), || sink.stats().extra["reopens"] == 1);
    assert!(reopened, "the writer checks its file at least once a second");
    info(&logger, "app", format_args!("after the rename"));
    assert!(logger.flush_timeout(Duration::from_secs(5)));
    assert_eq!(messages(&dir.path().join(format!("{TODAY}.1"))), ["before the rename"]);
    assert_eq!(messages(&dir.path().join(TODAY)), ["after the rename"]);
}

#[test]
fn reopen_takes_effect_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Arc::new(
        FileSink::builder(dir.path())
            .zone(Zone::utc())
            .check_interval(Duration::from_secs(3600))
            .build()
            .unwrap(),
    );
    let logger = logger(Arc::clone(&sink), clock(utc(2025, 1, 19, 9, 0, 0)));
    info(&logger, "app", format_args!("one"));
    assert!(logger.flush_timeout(Duration::from_secs(5)));
    std::fs::rename(dir.path().join(TODAY), dir.path().join("rotated.txt")).unwrap();
    // SIGHUP from logrotate's postrotate: the demo calls logcore::reopen().
    logger.reopen();
    info(&logger, "app", format_args!("two"));
    assert!(logger.flush_timeout(Duration::from_secs(5)));
    assert_eq!(messages(&dir.path().join("rotated.txt")), ["one"]);
    assert_eq!(messages(&dir.path().join(TODAY)), ["two"]);
    assert_eq!(sink.stats().extra["reopens"], 1);
}

#[test]
fn a_deleted_directory_is_made_again() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("logs");
    let sink = Arc::new(FileSink::builder(&dir).zone(Zone::utc()).build().unwrap());
    let logger = logger(Arc::clone(&sink), clock(utc(2025, 1, 19, 9, 0, 0)));
    info(&logger, "app", format_args!("lost with the directory"));
    assert!(logger.flush_timeout(Duration::from_secs(5)));
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(eventually(Duration::from_secs(3), || sink.stats().extra["reopens"] == 1));
    info(&logger, "app", format_args!("written again"));
    assert!(logger.flush_timeout(Duration::from_secs(5)));
    assert_eq!(messages(&dir.join(TODAY)), ["written again"]);
}

/// A small tmpfs mounted for one test, unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str, options: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}{options}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success(), "mount a tmpfs");
        Tmpfs { dir }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[test]
fn a_full_disk_is_counted_survived_and_written_when_there_is_room_again() {
    if !support::can_mount() {
        return support::skip_or_fail("the full-disk test", "mounting a tmpfs needs root");
    }
    let disk = Tmpfs::mount("256k", "");
    let dir = disk.dir.path().join("logs");
    let sink = Arc::new(FileSink::builder(&dir).zone(Zone::utc()).build().unwrap());
    let logger = logger(Arc::clone(&sink), clock(utc(2025, 1, 19, 9, 0, 0)));
    info(&logger, "app", format_args!("before the disk filled"));
    assert!(logger.flush_timeout(Duration::from_secs(5)));

    // Fill the disk to the last byte.
    let ballast = disk.dir.path().join("ballast");
    {
        use std::io::Write as _;
        let mut f = std::fs::File::create(&ballast).unwrap();
        let block = vec![b'x'; 4096];
        while f.write_all(&block).is_ok() {}
        while f.write_all(b"x").is_ok() {}
    }

    // The server keeps logging; no call waits on the disk.
    let started = Instant::now();
    for n in 0..2000 {
        info(&logger, "app", format_args!("while full {n:04}"));
    }
    assert!(
        logger.flush_timeout(Duration::from_secs(5)),
        "the worker keeps up: lines wait in its retry buffer"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    let stats = sink.stats();
    assert!(stats.extra["write_errors"] > 0, "{stats:?}");
    assert!(stats.extra["retry_bytes"] > 0, "{stats:?}");
    assert_eq!(stats.extra["lost_lines"], 0);
    assert!(
        stats.last_error.as_deref().is_some_and(|e| e.contains("No space left")),
        "{stats:?}"
    );

    // Room again: the kept lines go out, in order, and logging goes on.
    std::fs::remove_file(&ballast).unwrap();
    assert!(eventually(Duration::from_secs(3), || sink.stats().extra["retry_bytes"] == 0));
    info(&logger, "app", format_args!("after"));
    assert!(logger.flush_timeout(Duration::from_secs(5)));
    let mut expected = vec!["before the disk filled".to_owned()];
    expected.extend((0..2000).map(|n| format!("while full {n:04}")));
    expected.push("after".to_owned());
    assert_eq!(messages(&dir.join(TODAY)), expected);
}

#[test]
fn lines_beyond_the_retry_buffer_are_counted_as_lost() {
    if !support::can_mount() {
        return support::skip_or_fail("the retry-buffer test", "mounting a tmpfs needs root");
    }
    let disk = Tmpfs::mount("64k", "");
    let sink = Arc::new(
        FileSink::builder(disk.dir.path())
            .zone(Zone::utc())
            .retry_buffer(4096)
            .build()
            .unwrap(),
    );
    let logger = logger(Arc::clone(&sink), clock(utc(2025, 1, 19, 9, 0, 0)));
    let ballast = disk.dir.path().join("ballast");
    {
        use std::io::Write as _;
        let mut f = std::fs::File::create(&ballast).unwrap();
        while f.write_all(&[b'x'; 1024]).is_ok() {}
        while f.write_all(b"x").is_ok() {}
    }
    for n in 0..1000 {
        info(&logger, "app", format_args!("line {n:04}"));
    }
    assert!(logger.flush_timeout(Duration::from_secs(5)));
    let stats = sink.stats();
    let kept = stats.extra["retry_bytes"];
    assert!(kept > 0 && kept <= 4096, "{stats:?}");
    std::fs::remove_file(&ballast).unwrap();
    assert!(eventually(Duration::from_secs(3), || sink.stats().extra["retry_bytes"] == 0));
    let written = lines(&disk.dir.path().join(TODAY)).len() as u64;
    assert_eq!(
        written + sink.stats().extra["lost_lines"],
        1000,
        "every line written or counted"
    );
    assert!(written > 0);
}

#[test]
fn a_directory_that_cannot_be_created_is_an_error_naming_it() {
    let parent = tempfile::tempdir().unwrap();
    std::fs::write(parent.path().join("file"), "").unwrap();
    let dir = parent.path().join("file/logs");
    let err = FileSink::builder(&dir).build().unwrap_err();
    assert!(matches!(err, FileError::CreateDir { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&dir.display().to_string()) && text.contains("Not a directory"),
        "{text}"
    );
}

#[test]
fn a_directory_that_cannot_be_written_is_an_error_naming_it() {
    if !support::can_mount() {
        // Without root, permissions do it; with root they would not stop us.
        let dir = tempfile::tempdir().unwrap();
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
        let err = FileSink::builder(dir.path()).build().unwrap_err();
        assert!(matches!(err, FileError::NotWritable { .. }), "{err:?}");
        return;
    }
    let disk = Tmpfs::mount("64k", ",ro");
    let err = FileSink::builder(disk.dir.path()).build().unwrap_err();
    assert!(matches!(err, FileError::NotWritable { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&disk.dir.path().display().to_string()) && text.contains("Read-only file system"),
        "{text}"
    );
    assert!(names(disk.dir.path()).is_empty());
}

#[test]
fn under_the_drop_policy_drops_are_counted_and_noted_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Arc::new(
        FileSink::builder(dir.path())
            .zone(Zone::utc())
            .queue(
                logcore::NonBlockingBuilder::default()
                    .capacity_bytes(1)
                    .overflow(logcore::Overflow::Drop),
            )
            .build()
            .unwrap(),
    );
    let logger = logger(Arc::clone(&sink), clock(utc(2025, 1, 19, 9, 0, 0)));
    for n in 0..2000 {
        info(&logger, "app", format_args!("record {n}"));
    }
    assert!(logger.flush_timeout(Duration::from_secs(5)));
    // One more batch carries the notice of the last drops.
    info(&logger, "app", format_args!("last"));
    assert!(logger.flush_timeout(Duration::from_secs(5)));
    let stats = sink.stats();
    assert!(stats.dropped > 0, "a 1-byte queue drops: {stats:?}");
    let lines = lines(&dir.path().join(TODAY));
    let records = lines.iter().filter(|l| l.contains("| record ")).count() as u64;
    assert_eq!(records + stats.dropped, 2000, "every record written or counted");
    let noted: u64 = lines
        .iter()
        .filter_map(|l| l.split(" dropped=").nth(1))
        .map(|n| n.parse::<u64>().unwrap())
        .sum();
    assert_eq!(
        noted,
        stats.dropped,
        "the file says how many were dropped: {:?}",
        lines.iter().filter(|l| !l.contains("| record ")).collect::<Vec<_>>()
    );
}
