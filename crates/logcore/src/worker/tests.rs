//! Tests of the worker: lossless under `Block`, exact counts under `Drop`, flush, shutdown.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

use parking_lot::Mutex;

use super::*;

/// Collects everything written; optionally slow, failing or panicking.
#[derive(Clone, Default)]
struct Collect {
    out: Arc<Mutex<Vec<u8>>>,
    segments: Arc<Mutex<Vec<(u64, String)>>>,
    dropped: Arc<AtomicU64>,
    delay: Option<Duration>,
    fail: bool,
    panic: bool,
}

impl BatchWriter for Collect {
    fn write_batch(&mut self, batch: &Batch<'_>) -> io::Result<()> {
        if let Some(d) = self.delay {
            thread::sleep(d);
        }
        if self.panic {
            panic!("writer bug");
        }
        if self.fail {
            return Err(io::Error::other("disk full"));
        }
        self.out.lock().extend_from_slice(batch.bytes());
        let mut segs = self.segments.lock();
        for (key, bytes) in batch.segments() {
            segs.push((key, String::from_utf8(bytes.to_vec()).unwrap()));
        }
        Ok(())
    }

    fn dropped(&mut self, count: u64) {
        self.dropped.fetch_add(count, Ordering::Relaxed);
    }
}

fn lines(c: &Collect) -> Vec<String> {
    String::from_utf8(c.out.lock().clone())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn produce(queue: &NonBlocking, threads: usize, per_thread: usize) -> u64 {
    let dropped = AtomicU64::new(0);
    thread::scope(|s| {
        for t in 0..threads {
            let (queue, dropped) = (queue.clone(), &dropped);
            s.spawn(move || {
                for i in 0..per_thread {
                    let line = format!("t{t} {i}\n");
                    if queue.push(0, line.as_bytes()) == Pushed::Dropped {
                        dropped.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    dropped.into_inner()
}

/// Every thread's records, in the order they appear.
fn per_thread(lines: &[String]) -> HashMap<String, Vec<usize>> {
    let mut map: HashMap<String, Vec<usize>> = HashMap::new();
    for line in lines {
        let (t, i) = line.split_once(' ').expect("whole line");
        map.entry(t.to_owned())
            .or_default()
            .push(i.parse().expect("whole number"));
    }
    map
}

#[test]
fn block_loses_nothing_with_four_producers_and_a_tiny_queue() {
    let c = Collect::default();
    let (queue, guard) = NonBlockingBuilder::default()
        .capacity_bytes(64)
        .spawn(c.clone())
        .unwrap();
    assert_eq!(produce(&queue, 4, 20_000), 0);
    assert!(guard.shutdown());
    let got = lines(&c);
    assert_eq!(got.len(), 80_000);
    for (t, seq) in per_thread(&got) {
        assert_eq!(
            seq,
            (0..20_000).collect::<Vec<_>>(),
            "thread {t} out of order or incomplete"
        );
    }
    assert_eq!(queue.stats().written, 80_000);
    assert_eq!(queue.stats().dropped, 0);
}

#[test]
fn drop_counts_exactly_the_missing_records() {
    let c = Collect {
        delay: Some(Duration::from_millis(2)),
        ..Collect::default()
    };
    let (queue, guard) = NonBlockingBuilder::default()
        .capacity_bytes(256)
        .overflow(Overflow::Drop)
        .spawn(c.clone())
        .unwrap();
    let dropped = produce(&queue, 4, 5_000);
    assert!(guard.shutdown());
    let got = lines(&c);
    assert!(dropped > 0, "the slow writer should have made the queue overflow");
    assert_eq!(got.len() as u64 + dropped, 20_000);
    assert_eq!(queue.stats().dropped, dropped);
    assert_eq!(queue.stats().written, got.len() as u64);
    // The writer was told of every drop, and what arrived is still in order per thread.
    assert_eq!(c.dropped.load(Ordering::Relaxed), dropped);
    for (_, seq) in per_thread(&got) {
        assert!(seq.windows(2).all(|w| w[0] < w[1]));
    }
}

#[test]
fn flush_waits_until_the_record_is_written() {
    let c = Collect::default();
    let (queue, _guard) = NonBlockingBuilder::default()
        .flush_interval(Duration::from_secs(3600))
        .spawn(c.clone())
        .unwrap();
    queue.push(0, b"one\n");
    assert!(queue.flush(Duration::from_secs(10)));
    assert_eq!(lines(&c), ["one"]);
}

#[test]
fn an_idle_worker_writes_within_the_flush_interval_without_being_asked() {
    let c = Collect::default();
    let (queue, _guard) = NonBlockingBuilder::default()
        .flush_interval(Duration::from_millis(20))
        .spawn(c.clone())
        .unwrap();
    queue.push(0, b"soon\n");
    // Generous bound: this checks that the line arrives unprompted, not how fast.
    for _ in 0..500 {
        if !lines(&c).is_empty() {
            return;
        }
        thread::sleep(Duration::from_millis(10));
    }
    panic!("the line never reached the writer");
}

#[test]
fn records_after_shutdown_are_written_on_the_callers_thread() {
    let c = Collect::default();
    let (queue, guard) = NonBlockingBuilder::default().spawn(c.clone()).unwrap();
    queue.push(0, b"before\n");
    assert!(guard.shutdown());
    assert_eq!(queue.push(0, b"after\n"), Pushed::Accepted);
    assert_eq!(lines(&c), ["before", "after"]);
    assert_eq!(queue.stats().written, 2);
}

#[test]
fn write_errors_are_counted_as_failed_and_reported() {
    let c = Collect {
        fail: true,
        ..Collect::default()
    };
    let (queue, guard) = NonBlockingBuilder::default().spawn(c).unwrap();
    for _ in 0..10 {
        queue.push(0, b"x\n");
    }
    assert!(guard.shutdown());
    assert_eq!(queue.stats().failed, 10);
    assert_eq!(queue.stats().written, 0);
    assert!(queue.diagnostics().last_error().unwrap().contains("disk full"));
}

#[test]
fn a_panicking_writer_never_stalls_blocked_callers() {
    let c = Collect {
        panic: true,
        ..Collect::default()
    };
    let (queue, guard) = NonBlockingBuilder::default().capacity_bytes(16).spawn(c).unwrap();
    assert_eq!(produce(&queue, 2, 2_000), 0);
    guard.shutdown();
    let stats = queue.stats();
    assert_eq!(stats.failed + stats.written, 4_000);
    assert_eq!(queue.push(0, b"late\n"), Pushed::Failed);
}

#[test]
fn batches_keep_keyed_segments_apart() {
    let c = Collect::default();
    let (queue, _guard) = NonBlockingBuilder::default()
        .flush_interval(Duration::from_secs(3600))
        .spawn(c.clone())
        .unwrap();
    queue.push(1, b"a\n");
    queue.push(1, b"b\n");
    queue.push(2, b"c\n");
    queue.push(1, b"d\n");
    assert!(queue.flush(Duration::from_secs(10)));
    assert_eq!(
        *c.segments.lock(),
        [(1, "a\nb\n".to_owned()), (2, "c\n".to_owned()), (1, "d\n".to_owned())]
    );
}

/// A writer that logs into its own queue from inside its write (as a network sink whose HTTP
/// client logs through `log` would).
struct LogsIntoItself {
    queue: Arc<std::sync::OnceLock<NonBlocking>>,
    nested: Arc<Mutex<Vec<Pushed>>>,
    out: Arc<Mutex<Vec<u8>>>,
}

impl BatchWriter for LogsIntoItself {
    fn write_batch(&mut self, batch: &Batch<'_>) -> io::Result<()> {
        self.out.lock().extend_from_slice(batch.bytes());
        if !batch.bytes().starts_with(b"nested") {
            let pushed = self.queue.get().unwrap().push(0, b"nested\n");
            self.nested.lock().push(pushed);
        }
        Ok(())
    }
}

#[test]
fn a_writer_that_logs_into_its_own_queue_never_deadlocks() {
    let cell = Arc::new(std::sync::OnceLock::new());
    let nested = Arc::new(Mutex::new(Vec::new()));
    let out = Arc::new(Mutex::new(Vec::new()));
    let writer = LogsIntoItself {
        queue: Arc::clone(&cell),
        nested: Arc::clone(&nested),
        out: Arc::clone(&out),
    };
    let (queue, guard) = NonBlockingBuilder::default().capacity_bytes(8).spawn(writer).unwrap();
    cell.set(queue.clone()).unwrap();
    queue.push(0, b"while running\n");
    assert!(queue.flush(Duration::from_secs(10)));
    assert!(guard.shutdown());
    // After shutdown the write happens on this thread: the nested record is dropped, not waited for.
    assert_eq!(queue.push(0, b"after shutdown\n"), Pushed::Accepted);
    let nested = nested.lock().clone();
    assert_eq!(nested.len(), 2);
    assert_eq!(
        nested[0],
        Pushed::Accepted,
        "while running, the worker's own push is buffered"
    );
    assert_eq!(
        nested[1],
        Pushed::Dropped,
        "after shutdown, a push from inside the write is dropped"
    );
    assert_eq!(queue.stats().dropped, 1);
    let text = String::from_utf8(out.lock().clone()).unwrap();
    assert!(text.contains("while running\n") && text.contains("after shutdown\n") && text.contains("nested\n"));
}

/// Panics only once the worker has handed it back.
#[derive(Clone, Default)]
struct PanicsWhenDirect(Arc<std::sync::atomic::AtomicBool>);

impl BatchWriter for PanicsWhenDirect {
    fn write_batch(&mut self, _: &Batch<'_>) -> io::Result<()> {
        if self.0.load(Ordering::Relaxed) {
            panic!("writer bug after shutdown");
        }
        Ok(())
    }
}

#[test]
fn a_writer_panicking_after_shutdown_fails_its_record_and_nothing_hangs() {
    let writer = PanicsWhenDirect::default();
    let (queue, guard) = NonBlockingBuilder::default().spawn(writer.clone()).unwrap();
    assert!(guard.shutdown());
    writer.0.store(true, Ordering::Relaxed);
    assert_eq!(queue.push(0, b"boom\n"), Pushed::Failed);
    let other = queue.clone();
    let later = thread::spawn(move || other.push(0, b"later\n")).join().unwrap();
    assert_eq!(later, Pushed::Failed, "the broken writer is not used again");
    assert_eq!(queue.stats().failed, 2);
}

#[test]
fn wait_forever_timeouts_do_not_overflow() {
    let c = Collect::default();
    let (queue, guard) = NonBlockingBuilder::default()
        .shutdown_timeout(Duration::MAX)
        .spawn(c.clone())
        .unwrap();
    queue.push(0, b"x\n");
    assert!(queue.flush(Duration::MAX));
    assert!(queue.shutdown(Duration::MAX));
    drop(guard);
    assert_eq!(lines(&c), ["x"]);
}
