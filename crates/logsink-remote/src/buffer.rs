//! The bounded buffer between callers and a remote sink's worker, and the worker itself.
//!
//! Callers append captured records to a chain of chunks under a short lock and never wait.
//! A chunk is one batch: it closes at the batch's record or byte limit, and the worker takes
//! it whole (moving it, not copying it, so callers never wait on the worker) when it is full,
//! when a newer one has started, or when its oldest record reaches the batch age. When the
//! buffer (queued records plus the batch being retried) would pass its byte bound, the oldest
//! records go first (the batch that waits for a retry, then the oldest chunk) and are counted
//! exactly. The worker encodes a batch for the collector ([`Prepare`]), hands it to a
//! [`Shipper`] and retries with exponential backoff and jitter while the collector is down.
//! Every accepted record ends up counted once as delivered, dropped or rejected.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use logcore::Diagnostics;
use parking_lot::{Condvar, Mutex};

use crate::{Answer, Entries};

/// Where a worker's batches go: a syslog socket or an HTTP collector.
pub(crate) trait Shipper: Send + 'static {
    /// Sends one batch and says what became of it.
    fn ship(&mut self, batch: &Entries) -> Answer;
}

/// Turns records as callers pushed them into entries for the collector, on the worker.
pub(crate) trait Prepare: Send + 'static {
    /// Appends the entry for one pushed record to `batch`; returns whether the entry was cut
    /// short.
    fn prepare(&mut self, pushed: &[u8], batch: &mut Entries) -> bool;

    /// Appends a line from the sink itself (how many records were dropped) to `batch`.
    fn notice(&mut self, text: &str, batch: &mut Entries);
}

/// Limits of a remote sink's buffer and batches, and its retry timing.
///
/// | setting | default (HTTP) | default (ClickHouse) | default (syslog) |
/// |---|---|---|---|
/// | `capacity_bytes` | 16 MiB | 16 MiB | 16 MiB |
/// | `batch_records` | 1,000 | 10,000 | 1,000 |
/// | `batch_bytes` | 1 MiB | 4 MiB | 256 KiB |
/// | `batch_age` | 1 s | 1 s | 50 ms |
/// | `retry_initial` | 100 ms | 100 ms | 100 ms |
/// | `retry_max` | 30 s | 30 s | 30 s |
/// | `shutdown_timeout` | 5 s | 5 s | 5 s |
///
/// Batch bytes count records as the buffer holds them (their text and fields, before the
/// collector's encoding adds keys and escapes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Buffering {
    /// The bound of the buffer in bytes: queued records plus the batch being retried.
    pub capacity_bytes: usize,
    /// A batch closes at this many records...
    pub batch_records: usize,
    /// ...or this many bytes...
    pub batch_bytes: usize,
    /// ...or when its oldest record has waited this long.
    pub batch_age: Duration,
    /// The first retry's delay; each further one doubles it, with jitter.
    pub retry_initial: Duration,
    /// The longest delay between retries (a collector's `Retry-After` may ask for more, up to
    /// five minutes).
    pub retry_max: Duration,
    /// How long shutdown keeps trying to deliver what is left.
    pub shutdown_timeout: Duration,
}

impl Buffering {
    /// The defaults of an HTTP sink.
    pub fn http() -> Self {
        Buffering {
            capacity_bytes: 16 << 20,
            batch_records: 1000,
            batch_bytes: 1 << 20,
            batch_age: Duration::from_secs(1),
            retry_initial: Duration::from_millis(100),
            retry_max: Duration::from_secs(30),
            shutdown_timeout: Duration::from_secs(5),
        }
    }

    /// The defaults of a ClickHouse sink: larger batches, because every insert writes a new
    /// part on the server's disk (ClickHouse asks for at least 1,000 rows per insert and
    /// about one insert a second); with 1,000-row batches a busy server spends its time
    /// creating files.
    pub fn clickhouse() -> Self {
        Buffering {
            batch_records: 10_000,
            batch_bytes: 4 << 20,
            ..Buffering::http()
        }
    }

    /// The defaults for an HTTP collector in `format`.
    pub fn for_format(format: &crate::HttpFormat) -> Self {
        match format {
            crate::HttpFormat::ClickHouse { .. } => Buffering::clickhouse(),
            _ => Buffering::http(),
        }
    }

    /// The defaults of a syslog sink.
    pub fn syslog() -> Self {
        Buffering {
            batch_bytes: 256 << 10,
            batch_age: Duration::from_millis(50),
            ..Buffering::http()
        }
    }

    /// Whether `chunk` is a full batch.
    fn full(&self, chunk: &Entries) -> bool {
        chunk.len() >= self.batch_records || chunk.total_bytes() >= self.batch_bytes
    }

    /// An empty chunk with room for a whole batch, so that callers do not copy a growing chunk
    /// under the lock (pages are only touched as records arrive, and chunks are reused).
    fn chunk(&self) -> Entries {
        let bytes = self.batch_bytes.min(self.capacity_bytes).min(16 << 20);
        Entries::with_capacity(bytes, self.batch_records.min(bytes / 64 + 1))
    }
}

/// The longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// Counters of a remote sink.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) delivered: AtomicU64,
    pub(crate) delivered_bytes: AtomicU64,
    pub(crate) dropped: AtomicU64,
    pub(crate) rejected: AtomicU64,
    pub(crate) retried: AtomicU64,
    pub(crate) truncated: AtomicU64,
    pub(crate) notices: AtomicU64,
    pub(crate) left_at_shutdown: AtomicU64,
}

fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

/// A snapshot of a remote sink's buffer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Snapshot {
    /// Records taken since the start.
    pub(crate) sent: u64,
    /// Records and bytes in the buffer, the batch in flight included.
    pub(crate) records: u64,
    pub(crate) bytes: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// No batch in flight.
    Idle,
    /// The worker is sending it: callers leave it alone.
    Sending,
    /// The worker waits to retry it: callers may drop it to make room.
    Waiting,
    /// A caller dropped it while it waited.
    Abandoned,
}

struct State {
    // Each chunk is one batch, the oldest first.
    chunks: VecDeque<Entries>,
    free: Vec<Entries>,
    queued_records: u64,
    queued_bytes: usize,
    oldest_at: Option<Instant>,
    in_flight_records: u64,
    in_flight_bytes: usize,
    phase: Phase,
    pushed: u64,
    settled: u64,
    dropped_unreported: u64,
    worker_waiting: bool,
    flush_requested: bool,
    flush_waiters: u32,
    stop_at: Option<Instant>,
    stopped: bool,
}

pub(crate) struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    settled: Condvar,
    settings: Buffering,
    pub(crate) counters: Counters,
    pub(crate) diagnostics: Diagnostics,
}

impl Shared {
    /// Takes one record. Never waits for the network: when the buffer is full the
    /// oldest records are dropped and counted.
    pub(crate) fn push(&self, record: &[u8]) {
        let settings = &self.settings;
        let mut st = self.state.lock();
        st.pushed += 1;
        if st.stopped {
            self.drop_records(&mut st, 1);
            drop(st);
            self.diagnostics.report(format_args!(
                "a record was logged after the sink shut down; it was dropped"
            ));
            return;
        }
        let n = record.len();
        while st.queued_bytes + st.in_flight_bytes + n > settings.capacity_bytes {
            if st.phase == Phase::Waiting && st.in_flight_records > 0 {
                let records = st.in_flight_records;
                st.in_flight_records = 0;
                st.in_flight_bytes = 0;
                st.phase = Phase::Abandoned;
                self.drop_records(&mut st, records);
                self.wake.notify_all();
                continue;
            }
            let Some(mut oldest) = st.chunks.pop_front() else {
                break;
            };
            let (records, bytes) = (oldest.len() as u64, oldest.total_bytes());
            st.queued_records -= records;
            st.queued_bytes -= bytes;
            self.drop_records(&mut st, records);
            oldest.clear();
            st.free.push(oldest);
        }
        // A new chunk when the last is full or this record would take it past the batch bytes.
        let needs_chunk = st.chunks.back().is_none_or(|back| {
            !back.is_empty() && (settings.full(back) || back.total_bytes() + n > settings.batch_bytes)
        });
        if needs_chunk {
            let chunk = st.free.pop().unwrap_or_else(|| settings.chunk());
            st.chunks.push_back(chunk);
        }
        let back = st.chunks.back_mut().expect("a chunk was just ensured");
        back.push(0, record);
        let full = settings.full(back);
        st.queued_records += 1;
        st.queued_bytes += n;
        if st.oldest_at.is_none() {
            // The first record since the worker went idle: it starts the batch's age clock.
            st.oldest_at = Some(Instant::now());
            self.wake_worker(&mut st);
        }
        if full {
            self.wake_worker(&mut st);
        }
    }

    fn settle(&self, st: &mut State, n: u64) {
        st.settled += n;
        if st.flush_waiters > 0 || st.stop_at.is_some() {
            self.settled.notify_all();
        }
    }

    fn drop_records(&self, st: &mut State, n: u64) {
        add(&self.counters.dropped, n);
        st.dropped_unreported += n;
        self.settle(st, n);
    }

    fn wake_worker(&self, st: &mut State) {
        if st.worker_waiting {
            st.worker_waiting = false;
            self.wake.notify_one();
        }
    }
}

/// The callers' side of a remote sink's buffer.
pub(crate) struct Buffer {
    shared: Arc<Shared>,
    worker: Mutex<Option<thread::JoinHandle<()>>>,
}

impl Buffer {
    /// Starts the worker thread `name` with `shipper`.
    pub(crate) fn spawn(
        name: &str,
        settings: Buffering,
        shipper: impl Shipper,
        prepare: impl Prepare,
    ) -> std::io::Result<Buffer> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                chunks: VecDeque::new(),
                free: Vec::new(),
                queued_records: 0,
                queued_bytes: 0,
                oldest_at: None,
                in_flight_records: 0,
                in_flight_bytes: 0,
                phase: Phase::Idle,
                pushed: 0,
                settled: 0,
                dropped_unreported: 0,
                worker_waiting: false,
                flush_requested: false,
                flush_waiters: 0,
                stop_at: None,
                stopped: false,
            }),
            wake: Condvar::new(),
            settled: Condvar::new(),
            settings,
            counters: Counters::default(),
            diagnostics: Diagnostics::new(name.to_owned()),
        });
        let worker = Arc::clone(&shared);
        let handle = thread::Builder::new()
            .name(format!("logsink-{name}"))
            .spawn(move || run(&worker, shipper, prepare))?;
        Ok(Buffer {
            shared,
            worker: Mutex::new(Some(handle)),
        })
    }

    /// How long shutdown keeps trying to deliver, as configured.
    pub(crate) fn shutdown_timeout(&self) -> Duration {
        self.shared.settings.shutdown_timeout
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// Takes one record (see [`Shared::push`]).
    pub(crate) fn push(&self, record: &[u8]) {
        self.shared.push(record);
    }

    /// The buffer's shared half, for the sink's part on the logger's worker.
    pub(crate) fn shared_handle(&self) -> Arc<Shared> {
        Arc::clone(&self.shared)
    }

    /// Waits until every record taken before the call is delivered, dropped or rejected, or
    /// `timeout` passes.
    pub(crate) fn flush(&self, timeout: Duration) -> bool {
        let shared = &*self.shared;
        let mut st = shared.state.lock();
        let target = st.pushed;
        if st.settled >= target {
            return true;
        }
        st.flush_requested = true;
        st.flush_waiters += 1;
        shared.wake_worker(&mut st);
        let deadline = deadline_after(timeout);
        while st.settled < target && !st.stopped {
            if shared.settled.wait_until(&mut st, deadline).timed_out() {
                break;
            }
        }
        st.flush_waiters -= 1;
        st.settled >= target
    }

    /// Asks the worker to deliver what is left within `timeout` and stop; returns whether
    /// nothing was left.
    pub(crate) fn shutdown(&self, timeout: Duration) -> bool {
        let shared = &*self.shared;
        let mut st = shared.state.lock();
        if st.stop_at.is_none() {
            st.stop_at = Some(deadline_after(timeout));
        }
        st.worker_waiting = false;
        shared.wake.notify_all();
        // The worker gives up at `stop_at`; a little more lets it count what was left.
        let deadline = st.stop_at.unwrap_or_else(Instant::now) + Duration::from_millis(200);
        while !st.stopped {
            if shared.settled.wait_until(&mut st, deadline).timed_out() {
                break;
            }
        }
        let clean = st.stopped && shared.counters.left_at_shutdown.load(Ordering::Relaxed) == 0;
        drop(st);
        if let Some(handle) = self.worker.lock().take()
            && handle.is_finished()
        {
            let _ = handle.join();
        }
        clean
    }

    /// Records taken so far, and those still in the buffer.
    pub(crate) fn snapshot(&self) -> Snapshot {
        let st = self.shared.state.lock();
        Snapshot {
            sent: st.pushed,
            records: st.queued_records + st.in_flight_records,
            bytes: (st.queued_bytes + st.in_flight_bytes) as u64,
        }
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        let timeout = self.shared.settings.shutdown_timeout;
        self.shutdown(timeout);
    }
}

/// `timeout` from now; a timeout too long to represent is taken as a year.
fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .unwrap_or_else(|| now + Duration::from_secs(86_400 * 365))
}

/// The worker thread: batches, ships, retries; counts what is left when it stops.
fn run(shared: &Shared, mut shipper: impl Shipper, prepare: impl Prepare) {
    let mut worker = Worker {
        shared,
        prepare,
        pushed: None,
        batch: Entries::default(),
        failures: 0,
        down_since: None,
        last_notice: None,
        rng: Jitter::seeded(),
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| worker.run(&mut shipper)));
    let mut st = shared.state.lock();
    let left = st.queued_records + st.in_flight_records;
    if left > 0 {
        st.queued_records = 0;
        st.queued_bytes = 0;
        st.in_flight_records = 0;
        st.in_flight_bytes = 0;
        st.chunks.clear();
        add(&shared.counters.left_at_shutdown, left);
        shared.drop_records(&mut st, left);
    }
    st.stopped = true;
    shared.settled.notify_all();
    drop(st);
    if outcome.is_err() {
        shared.diagnostics.report(format_args!(
            "the sink's worker stopped after a panic; {left} records were dropped"
        ));
    } else if left > 0 {
        shared.diagnostics.report(format_args!(
            "shutdown: {left} records could not be delivered in time and were dropped"
        ));
    }
}

struct Worker<'a, P> {
    shared: &'a Shared,
    prepare: P,
    // The batch as callers pushed it...
    pushed: Option<Entries>,
    // ...and as the collector gets them.
    batch: Entries,
    failures: u32,
    down_since: Option<Instant>,
    last_notice: Option<Instant>,
    rng: Jitter,
}

impl<P: Prepare> Worker<'_, P> {
    fn run(&mut self, shipper: &mut impl Shipper) {
        while self.next_batch() {
            self.deliver(shipper);
        }
    }

    /// Waits for a batch to be due and takes it; false when the sink is stopping and nothing
    /// is left (or its deadline passed).
    fn next_batch(&mut self) -> bool {
        let shared = self.shared;
        let s = &shared.settings;
        let mut st = shared.state.lock();
        loop {
            if let Some(stop_at) = st.stop_at
                && (st.queued_records == 0 || Instant::now() >= stop_at)
            {
                return false;
            }
            if st.queued_records == 0 {
                st.flush_requested = false;
                st.worker_waiting = true;
                shared.wake.wait(&mut st);
                continue;
            }
            let due_at = st.oldest_at.map(|at| at + s.batch_age);
            let front_full = st.chunks.len() > 1 || st.chunks.front().is_some_and(|front| s.full(front));
            let due = front_full
                || st.flush_requested
                || st.stop_at.is_some()
                || due_at.is_none_or(|at| Instant::now() >= at);
            if due {
                break;
            }
            st.worker_waiting = true;
            if let Some(at) = due_at {
                shared.wake.wait_until(&mut st, at);
            }
        }
        st.worker_waiting = false;
        self.take(&mut st);
        drop(st);
        self.encode();
        true
    }

    /// Moves the oldest chunk (one batch) out of the queue.
    fn take(&mut self, st: &mut State) {
        let chunk = st
            .chunks
            .pop_front()
            .expect("a batch is due only when records are queued");
        let (records, bytes) = (chunk.len() as u64, chunk.total_bytes());
        st.queued_records -= records;
        st.queued_bytes -= bytes;
        st.oldest_at = (st.queued_records > 0).then(Instant::now);
        st.in_flight_records = records;
        st.in_flight_bytes = bytes;
        st.phase = Phase::Sending;
        self.pushed = Some(chunk);
    }

    /// Encodes the pushed records of the batch for the collector, outside the lock: callers
    /// keep pushing meanwhile. The batch is in flight from here, so its bytes are counted as
    /// encoded.
    fn encode(&mut self) {
        self.batch.clear();
        let mut truncated = 0;
        let Some(mut chunk) = self.pushed.take() else {
            return;
        };
        for (_, pushed) in chunk.iter() {
            truncated += u64::from(self.prepare.prepare(pushed, &mut self.batch));
        }
        add(&self.shared.counters.truncated, truncated);
        chunk.clear();
        let mut st = self.shared.state.lock();
        st.free.push(chunk);
        if st.phase == Phase::Sending {
            st.in_flight_bytes = self.batch.total_bytes();
        }
    }

    /// Ships the batch until it is delivered, rejected, dropped to make room, or the shutdown
    /// deadline passes.
    fn deliver(&mut self, shipper: &mut impl Shipper) {
        let shared = self.shared;
        loop {
            let answer = shipper.ship(&self.batch);
            let n = self.batch.len();
            let mut st = shared.state.lock();
            let (reason, after) = match answer {
                Answer::Delivered => {
                    self.delivered(&mut st, n as u64, self.batch.total_bytes() as u64);
                    self.finish(&mut st);
                    drop(st);
                    self.recovered(shipper);
                    return;
                }
                Answer::Rejected { reason } => {
                    // Reported before the records count as settled, so that a flush that
                    // returns finds the reason in the stats.
                    drop(st);
                    shared.diagnostics.report(format_args!(
                        "the collector refused {n} records (not retried): {reason}"
                    ));
                    let mut st = shared.state.lock();
                    add(&shared.counters.rejected, n as u64);
                    shared.settle(&mut st, n as u64);
                    self.finish(&mut st);
                    return;
                }
                Answer::Partial {
                    retry,
                    rejected,
                    reason,
                } if retry.len() < n => {
                    let settled = (n - retry.len()) as u64;
                    let delivered = settled - rejected as u64;
                    let retry: std::collections::HashSet<usize> = retry.into_iter().collect();
                    let delivered_bytes: usize = (0..n)
                        .filter(|i| !retry.contains(i))
                        .filter_map(|i| self.batch.get(i))
                        .map(|(_, e)| e.len())
                        .sum();
                    add(&shared.counters.rejected, rejected as u64);
                    self.delivered(&mut st, delivered, delivered_bytes as u64);
                    shared.settle(&mut st, rejected as u64);
                    if rejected > 0 {
                        shared.diagnostics.report(format_args!(
                            "the collector refused {rejected} of {n} records: {reason}"
                        ));
                    }
                    if retry.is_empty() {
                        self.finish(&mut st);
                        drop(st);
                        self.recovered(shipper);
                        return;
                    }
                    self.batch.retain_indices(|i| retry.contains(&i));
                    st.in_flight_records = self.batch.len() as u64;
                    st.in_flight_bytes = self.batch.total_bytes();
                    (reason, None)
                }
                Answer::Partial { reason, .. } => (reason, None),
                Answer::Retry { reason, after } => (reason, after),
            };
            self.failures += 1;
            let since = *self.down_since.get_or_insert_with(Instant::now);
            let delay = match after {
                Some(after) => after.min(MAX_RETRY_AFTER),
                None => self.backoff(),
            };
            let buffered = st.queued_bytes + st.in_flight_bytes;
            drop(st);
            shared.diagnostics.report(format_args!(
                "delivery failed ({} attempts in {:.1}s): {reason}; retrying in {:.1}s, {} bytes buffered",
                self.failures,
                since.elapsed().as_secs_f64(),
                delay.as_secs_f64(),
                buffered
            ));
            add(&shared.counters.retried, 1);
            if !self.wait_to_retry(delay) {
                return;
            }
        }
    }

    fn delivered(&self, st: &mut State, records: u64, bytes: u64) {
        let c = &self.shared.counters;
        add(&c.delivered, records);
        add(&c.delivered_bytes, bytes);
        self.shared.settle(st, records);
    }

    fn finish(&mut self, st: &mut State) {
        st.in_flight_records = 0;
        st.in_flight_bytes = 0;
        st.phase = Phase::Idle;
        self.batch.clear();
    }

    /// Waits `delay` before the next attempt; false when the batch was dropped to make room
    /// meanwhile, or the shutdown deadline passed (then the batch is left for the final count).
    fn wait_to_retry(&mut self, delay: Duration) -> bool {
        let shared = self.shared;
        let mut st = shared.state.lock();
        st.phase = Phase::Waiting;
        let until = Instant::now() + delay;
        loop {
            if st.phase == Phase::Abandoned {
                st.phase = Phase::Idle;
                self.batch.clear();
                return false;
            }
            let now = Instant::now();
            if let Some(stop_at) = st.stop_at
                && now >= stop_at
            {
                st.phase = Phase::Sending;
                // The worker's exit counts the batch (still in flight) as left at shutdown.
                return false;
            }
            if now >= until {
                break;
            }
            let wake_at = st.stop_at.map_or(until, |s| s.min(until));
            shared.wake.wait_until(&mut st, wake_at);
        }
        st.phase = Phase::Sending;
        true
    }

    fn backoff(&mut self) -> Duration {
        let s = &self.shared.settings;
        let exp = self.failures.saturating_sub(1).min(30);
        let base = s.retry_initial.saturating_mul(1 << exp).min(s.retry_max);
        // Equal jitter: half fixed, half random, so that many servers that lost the same
        // collector do not come back in step.
        let half = base / 2;
        half + half.mul_f64(self.rng.next_unit())
    }

    /// After a delivery: reports that the collector is back, and how many records were dropped
    /// meanwhile, on stderr and as one line to the collector itself.
    fn recovered(&mut self, shipper: &mut impl Shipper) {
        let shared = self.shared;
        let outage = self
            .down_since
            .take()
            .map(|since| (since.elapsed(), std::mem::take(&mut self.failures)));
        let dropped = {
            let mut st = shared.state.lock();
            let due = self.last_notice.is_none_or(|at| at.elapsed() >= Duration::from_secs(1));
            if outage.is_some() || (due && st.dropped_unreported > 0) {
                std::mem::take(&mut st.dropped_unreported)
            } else {
                0
            }
        };
        if outage.is_none() && dropped == 0 {
            return;
        }
        let text = match outage {
            Some((took, failures)) if dropped == 0 => format!(
                "logsink-remote: delivery resumed after {failures} failed attempts over {:.1}s; nothing was dropped",
                took.as_secs_f64()
            ),
            Some((took, failures)) => format!(
                "logsink-remote: delivery resumed after {failures} failed attempts over {:.1}s; \
                 {dropped} records were dropped while the buffer was full",
                took.as_secs_f64()
            ),
            None => format!("logsink-remote: {dropped} records were dropped because the buffer was full"),
        };
        shared.diagnostics.report(format_args!("{text}"));
        if dropped == 0 {
            // The collector has every record: nothing to tell it.
            return;
        }
        self.last_notice = Some(Instant::now());
        let mut notice = Entries::default();
        self.prepare.notice(&text, &mut notice);
        if shipper.ship(&notice) == Answer::Delivered {
            add(&shared.counters.notices, 1);
        }
    }
}

/// A small xorshift generator for retry jitter (no need for a cryptographic one).
struct Jitter(u64);

impl Jitter {
    fn seeded() -> Self {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Jitter((t ^ (std::process::id() as u64) << 32) | 1)
    }

    /// A number in [0, 1).
    fn next_unit(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests;
