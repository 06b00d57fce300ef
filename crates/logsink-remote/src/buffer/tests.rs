//! The buffer and its worker against a fake collector: ordering, batching, drops of the
//! oldest, rejections, partial answers, shutdown deadlines and callers that never wait.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::*;

/// What the fake collector answers next.
#[derive(Clone, Debug)]
enum Mode {
    Accept,
    Down,
    Reject,
    /// Refuses every other entry for good and asks for the rest again once.
    HalfRejectedThenRetry,
}

struct Collector {
    mode: Mode,
    received: Vec<String>,
    notices: Vec<String>,
    batches: usize,
    // Holds `ship` until released, to stand for a slow network.
    stall: Option<Duration>,
}

#[derive(Clone)]
struct Fake(Arc<Mutex<Collector>>);

impl Fake {
    fn new(mode: Mode) -> Self {
        Fake(Arc::new(Mutex::new(Collector {
            mode,
            received: Vec::new(),
            notices: Vec::new(),
            batches: 0,
            stall: None,
        })))
    }

    fn set(&self, mode: Mode) {
        self.0.lock().mode = mode;
    }

    fn received(&self) -> Vec<String> {
        self.0.lock().received.clone()
    }
}

impl Shipper for Fake {
    fn ship(&mut self, batch: &Entries) -> Answer {
        let stall = self.0.lock().stall;
        if let Some(stall) = stall {
            std::thread::sleep(stall);
        }
        let mut c = self.0.lock();
        c.batches += 1;
        let texts: Vec<String> = batch
            .iter()
            .map(|(_, e)| String::from_utf8_lossy(e).into_owned())
            .collect();
        if texts.len() == 1 && texts[0].starts_with("NOTICE ") {
            c.notices.push(texts[0].clone());
            return Answer::Delivered;
        }
        match c.mode.clone() {
            Mode::Accept => {
                c.received.extend(texts);
                Answer::Delivered
            }
            Mode::Down => Answer::Retry {
                reason: "connection refused".into(),
                after: None,
            },
            Mode::Reject => Answer::Rejected {
                reason: "HTTP 400: bad".into(),
            },
            Mode::HalfRejectedThenRetry => {
                c.mode = Mode::Accept;
                let mut retry = Vec::new();
                let mut rejected = 0;
                for (i, t) in texts.into_iter().enumerate() {
                    match i % 3 {
                        0 => c.received.push(t),
                        1 => rejected += 1,
                        _ => retry.push(i),
                    }
                }
                Answer::Partial {
                    retry,
                    rejected,
                    reason: "item 1: HTTP 400".into(),
                }
            }
        }
    }
}

/// Ships records as they were pushed.
struct Verbatim;

impl Prepare for Verbatim {
    fn prepare(&mut self, pushed: &[u8], batch: &mut Entries) -> bool {
        batch.push(0, pushed);
        false
    }

    /// Notices as the fake collector recognises them.
    fn notice(&mut self, text: &str, batch: &mut Entries) {
        batch.push(0, format!("NOTICE {text}").as_bytes());
    }
}

/// A buffer in front of `fake`.
fn spawn(settings: Buffering, fake: &Fake) -> Buffer {
    Buffer::spawn("t", settings, fake.clone(), Verbatim).unwrap()
}

fn settings() -> Buffering {
    Buffering {
        capacity_bytes: 64 << 10,
        batch_records: 100,
        batch_bytes: 16 << 10,
        batch_age: Duration::from_millis(20),
        retry_initial: Duration::from_millis(5),
        retry_max: Duration::from_millis(20),
        shutdown_timeout: Duration::from_secs(2),
    }
}

fn record(i: usize) -> Vec<u8> {
    // 100 bytes each, numbered.
    format!("{i:>99}").into_bytes()
}

fn counters(b: &Buffer) -> (u64, u64, u64, u64, u64) {
    let c = &b.shared().counters;
    let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
    (
        b.snapshot().sent,
        g(&c.delivered),
        g(&c.dropped),
        g(&c.rejected),
        g(&c.retried),
    )
}

/// Waits up to five seconds for `cond`.
fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < Duration::from_secs(5), "never happened: {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn number(text: &str) -> usize {
    text.trim().parse().unwrap()
}

#[test]
fn every_record_is_delivered_once_in_order() {
    let fake = Fake::new(Mode::Accept);
    let roomy = Buffering {
        capacity_bytes: 1 << 20,
        ..settings()
    };
    let buffer = spawn(roomy, &fake);
    for i in 0..1000 {
        buffer.push(&record(i));
    }
    assert!(buffer.flush(Duration::from_secs(5)));
    let got: Vec<usize> = fake.received().iter().map(|t| number(t)).collect();
    assert_eq!(got, (0..1000).collect::<Vec<_>>());
    assert_eq!(counters(&buffer), (1000, 1000, 0, 0, 0));
    // Batches closed by count (100) or bytes (16 KiB = 163 records): never one per record.
    assert!(fake.0.lock().batches <= 20, "{}", fake.0.lock().batches);
}

#[test]
fn a_partly_filled_batch_goes_out_after_its_age() {
    let fake = Fake::new(Mode::Accept);
    let buffer = spawn(settings(), &fake);
    buffer.push(&record(1));
    let start = Instant::now();
    while fake.received().is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the batch never closed by age"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn a_full_buffer_drops_the_oldest_and_counts_exactly() {
    let fake = Fake::new(Mode::Down);
    let buffer = spawn(settings(), &fake);
    let total = 5000;
    buffer.push(&record(0));
    assert!(!buffer.flush(Duration::from_millis(1)));
    eventually("a failed attempt", || counters(&buffer).4 > 0);
    for i in 1..total {
        buffer.push(&record(i));
    }
    // While the collector is down the buffer holds at most its capacity.
    assert!(buffer.snapshot().bytes <= 64 << 10);
    fake.set(Mode::Accept);
    assert!(buffer.flush(Duration::from_secs(10)));
    let (sent, delivered, dropped, rejected, retried) = counters(&buffer);
    assert_eq!(sent, total as u64);
    assert_eq!(rejected, 0);
    assert_eq!(sent, delivered + dropped + rejected, "sent = delivered + dropped");
    assert!(dropped > 0 && retried > 0);
    let got: Vec<usize> = fake.received().iter().map(|t| number(t)).collect();
    assert_eq!(got.len() as u64, delivered);
    // The oldest went: what arrived is the newest records, in order, with no gap.
    let first = total - got.len();
    assert_eq!(got, (first..total).collect::<Vec<_>>());
    // One notice told the collector how many were dropped.
    eventually("the notice", || !fake.0.lock().notices.is_empty());
    let notices = fake.0.lock().notices.clone();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        notices[0].contains(&format!("{dropped} records were dropped")),
        "{notices:?}"
    );
    eventually("the stderr report", || {
        buffer
            .shared()
            .diagnostics
            .last_error()
            .is_some_and(|e| e.contains("delivery resumed"))
    });
}

#[test]
fn a_rejected_batch_is_counted_and_not_retried() {
    let fake = Fake::new(Mode::Reject);
    let buffer = spawn(settings(), &fake);
    for i in 0..10 {
        buffer.push(&record(i));
    }
    assert!(buffer.flush(Duration::from_secs(5)));
    assert_eq!(counters(&buffer), (10, 0, 0, 10, 0));
    assert_eq!(fake.0.lock().batches, 1);
    assert!(
        buffer
            .shared()
            .diagnostics
            .last_error()
            .unwrap()
            .contains("HTTP 400: bad")
    );
}

#[test]
fn a_partial_answer_retries_only_the_entries_it_names() {
    let fake = Fake::new(Mode::HalfRejectedThenRetry);
    let buffer = spawn(settings(), &fake);
    for i in 0..9 {
        buffer.push(&record(i));
    }
    assert!(buffer.flush(Duration::from_secs(5)));
    let mut got: Vec<usize> = fake.received().iter().map(|t| number(t)).collect();
    got.sort_unstable();
    assert_eq!(got, vec![0, 2, 3, 5, 6, 8]);
    assert_eq!(counters(&buffer), (9, 6, 0, 3, 1));
}

#[test]
fn shutdown_with_the_collector_down_gives_up_at_its_deadline_and_counts_what_was_left() {
    let fake = Fake::new(Mode::Down);
    let buffer = spawn(settings(), &fake);
    for i in 0..50 {
        buffer.push(&record(i));
    }
    let start = Instant::now();
    assert!(!buffer.shutdown(Duration::from_millis(200)));
    assert!(start.elapsed() < Duration::from_secs(2));
    let c = &buffer.shared().counters;
    assert_eq!(c.left_at_shutdown.load(Ordering::Relaxed), 50);
    assert_eq!(counters(&buffer).2, 50);
    // A record logged afterwards is counted too.
    buffer.push(&record(99));
    assert_eq!(counters(&buffer).2, 51);
}

#[test]
fn shutdown_delivers_what_is_buffered() {
    let fake = Fake::new(Mode::Accept);
    let patient = Buffering {
        batch_age: Duration::from_secs(60),
        ..settings()
    };
    let buffer = spawn(patient, &fake);
    for i in 0..10 {
        buffer.push(&record(i));
    }
    assert!(buffer.shutdown(Duration::from_secs(5)));
    assert_eq!(fake.received().len(), 10);
}

#[test]
fn callers_do_not_wait_while_the_worker_is_stuck_in_a_send() {
    let fake = Fake::new(Mode::Down);
    fake.0.lock().stall = Some(Duration::from_millis(300));
    let buffer = spawn(settings(), &fake);
    buffer.push(&record(0));
    assert!(!buffer.flush(Duration::from_millis(50)));
    // The worker now sits in a 300 ms send; 2,000 records (three times the capacity) go in
    // meanwhile, dropping the oldest, and the whole run takes far less than the send.
    let start = Instant::now();
    for i in 1..2000 {
        buffer.push(&record(i));
    }
    assert!(start.elapsed() < Duration::from_millis(250), "{:?}", start.elapsed());
    assert!(counters(&buffer).2 > 0);
}
