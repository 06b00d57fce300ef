//! 8 threads x 200,000 records while files rotate by size and the injected clock crosses
//! midnight: the files together hold every record exactly once, each line whole, each
//! thread's records in order, each in the file of its own date.

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use logcore::{Clock, Sink as _, Timestamp, Zone};
use logsink_file::FileSink;
use support::{each_line, info, logger, utc};

const THREADS: u64 = 8;
const PER_THREAD: u64 = 200_000;

/// A clock that moves 50 µs forward at every reading: 1.6 million records span 80 s.
struct Stepping {
    start: Timestamp,
    readings: AtomicU64,
}

impl Clock for Stepping {
    fn now(&self) -> Timestamp {
        let n = self.readings.fetch_add(1, Ordering::Relaxed);
        self.start + Duration::from_micros(50 * n)
    }
}

#[test]
fn every_record_lands_once_whole_and_in_order_across_rotations_and_midnight() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Arc::new(
        FileSink::builder(dir.path())
            .prefix("stress_")
            .zone(Zone::utc())
            .max_size(Some(256 << 10))
            .max_days(None)
            .build()
            .unwrap(),
    );
    let clock = Arc::new(Stepping {
        // 40 s before midnight: the run crosses into 2025-01-20.
        start: utc(2025, 1, 19, 23, 59, 20),
        readings: AtomicU64::new(0),
    });
    let logger = Arc::new(logger(Arc::clone(&sink), clock));
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let logger = Arc::clone(&logger);
            std::thread::spawn(move || {
                for n in 0..PER_THREAD {
                    info(
                        &logger,
                        "stress",
                        format_args!("thread={t} seq={n} payload=abcdefghijklmnopqrstuvwxyz"),
                    );
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert!(logger.flush_timeout(Duration::from_secs(60)), "the sink drained");

    let stats = sink.stats();
    assert_eq!(stats.written, THREADS * PER_THREAD);
    assert_eq!((stats.dropped, stats.failed), (0, 0));
    assert!(stats.extra["rotations"] > 100, "size rotations happened: {stats:?}");

    // Read the files in rotation order: by date, then by index.
    let mut files: Vec<(String, u32, std::path::PathBuf)> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|path| {
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            let rest = name.strip_prefix("stress_").unwrap().strip_suffix(".txt").unwrap();
            let (date, index) = match rest.split_once('.') {
                Some((date, index)) => (date.to_owned(), index.parse().unwrap()),
                None => (rest.to_owned(), 0),
            };
            (date, index, path)
        })
        .collect();
    files.sort();
    let dates: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
    assert!(
        dates.contains(&"2025-01-19") && dates.contains(&"2025-01-20"),
        "{dates:?}"
    );

    let mut next: BTreeMap<u64, u64> = BTreeMap::new();
    let mut total = 0u64;
    for (date, _, path) in &files {
        let size = std::fs::metadata(path).unwrap().len();
        assert!(size <= 256 << 10, "{} is over the size limit: {size}", path.display());
        let text_end = std::fs::read(path).unwrap();
        assert!(text_end.ends_with(b"\n"), "{} ends in a partial line", path.display());
        each_line(path, |line| {
            // `2025-01-19 23:59:20 | INFO     | stress ... | thread=3 seq=17 payload=...`
            assert!(line.starts_with(date.as_str()), "a line in the file of {date}: {line}");
            assert!(
                line.ends_with(" payload=abcdefghijklmnopqrstuvwxyz"),
                "a whole line: {line}"
            );
            let body = &line[line.find("thread=").expect("the message")..];
            let mut words = body.split(' ');
            let thread: u64 = words.next().unwrap()["thread=".len()..].parse().unwrap();
            let seq: u64 = words.next().unwrap()["seq=".len()..].parse().unwrap();
            let expected = next.entry(thread).or_insert(0);
            assert_eq!(
                seq, *expected,
                "thread {thread}'s records in order, none missing or twice"
            );
            *expected += 1;
            total += 1;
        });
    }
    assert_eq!(total, THREADS * PER_THREAD);
    assert!(next.values().all(|&n| n == PER_THREAD), "{next:?}");
}
