//! The non-blocking worker shared by every sink that writes off the caller's thread.
//!
//! Callers copy formatted bytes into a bounded buffer under a short lock; a named worker thread
//! swaps the buffer for an empty one, writes the whole batch through a [`BatchWriter`] and
//! flushes once. The worker wakes at least every flush interval, so an idle logger's lines
//! reach their destination within that interval; callers wake it early only when the buffer
//! passes half full, so a log call normally makes no system call.
//!
//! When the buffer is full, [`Overflow::Block`] (the default) makes the caller wait: nothing is
//! lost. [`Overflow::Drop`] counts the record as dropped instead, and the writer is told how
//! many once there is room again. After shutdown the writer is handed back and later records
//! are written on the caller's thread, so nothing accepted late in a program's life is lost.

use std::cell::Cell;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex, MutexGuard};

use crate::Diagnostics;
use run::{run_worker, saturating_add, write_directly};

/// What a full buffer does to the caller.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Overflow {
    /// Wait for room: nothing is lost (the default).
    #[default]
    Block,
    /// Drop the record and count it.
    Drop,
}

impl std::str::FromStr for Overflow {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        crate::config::parse_choice(s, &[("block", Overflow::Block), ("drop", Overflow::Drop)])
    }
}

/// Where a worker's batches go: a terminal, a file, a network peer.
///
/// The worker calls it from its own thread only. It must not log through `log` (its
/// troubles go to [`Diagnostics`]).
pub trait BatchWriter: Send + 'static {
    /// Writes one batch of whole records.
    fn write_batch(&mut self, batch: &Batch<'_>) -> io::Result<()>;

    /// Makes everything written so far durable or visible; called once after each batch.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// Called when the worker has been idle for a flush interval (for housekeeping).
    fn tick(&mut self) {}

    /// Called before the next batch when `count` records were dropped since the last call.
    fn dropped(&mut self, count: u64) {
        let _ = count;
    }
}

/// Records accepted between two swaps, as contiguous bytes cut into segments by key.
#[derive(Debug)]
pub struct Batch<'a> {
    bytes: &'a [u8],
    segments: &'a [Segment],
    records: u64,
}

/// A run of consecutive records that were pushed with the same key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Segment {
    key: u64,
    end: usize,
}

impl<'a> Batch<'a> {
    /// All bytes of the batch.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// How many records the batch holds.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The batch as (key, bytes) runs, in order. A file sink keys records by their date, so a
    /// batch that spans midnight can be split between two files.
    pub fn segments(&self) -> impl Iterator<Item = (u64, &'a [u8])> + '_ {
        let mut start = 0;
        self.segments.iter().map(move |s| {
            let run = &self.bytes[start..s.end];
            start = s.end;
            (s.key, run)
        })
    }
}

/// Segments reserved per buffer, so that swapping buffers never leaves a caller to allocate.
const SEGMENTS: usize = 64;

/// The largest buffer a worker may have (1 GiB): more is a configuration mistake.
pub const MAX_CAPACITY_BYTES: usize = 1 << 30;

/// Settings of a worker.
///
/// | setting | default |
/// |---|---|
/// | `capacity_bytes` | 1 MiB |
/// | `overflow` | [`Overflow::Block`] |
/// | `flush_interval` | 50 ms |
/// | `shutdown_timeout` | 5 s |
/// | `thread_name` | `logcore-worker` |
#[derive(Clone, Debug)]
pub struct NonBlockingBuilder {
    capacity_bytes: usize,
    overflow: Overflow,
    flush_interval: Duration,
    shutdown_timeout: Duration,
    thread_name: String,
}

impl Default for NonBlockingBuilder {
    fn default() -> Self {
        NonBlockingBuilder {
            capacity_bytes: 1 << 20,
            overflow: Overflow::Block,
            flush_interval: Duration::from_millis(50),
            shutdown_timeout: Duration::from_secs(5),
            thread_name: "logcore-worker".to_owned(),
        }
    }
}

impl NonBlockingBuilder {
    /// The bound of the buffer in bytes (a single larger record is still accepted), from 1
    /// byte to [`MAX_CAPACITY_BYTES`].
    #[must_use]
    pub fn capacity_bytes(mut self, bytes: usize) -> Self {
        self.capacity_bytes = bytes.clamp(1, MAX_CAPACITY_BYTES);
        self
    }

    /// What a full buffer does.
    #[must_use]
    pub fn overflow(mut self, overflow: Overflow) -> Self {
        self.overflow = overflow;
        self
    }

    /// The longest a record waits in an idle worker's buffer.
    #[must_use]
    pub fn flush_interval(mut self, interval: Duration) -> Self {
        self.flush_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// How long the guard's drop waits for the buffer to drain.
    #[must_use]
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// The worker thread's name.
    #[must_use]
    pub fn thread_name(mut self, name: impl Into<String>) -> Self {
        self.thread_name = name.into();
        self
    }

    /// Starts the worker thread with `writer`.
    pub fn spawn(self, writer: impl BatchWriter) -> io::Result<(NonBlocking, WorkerGuard)> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::new(self.capacity_bytes)),
            wake: Condvar::new(),
            space: Condvar::new(),
            done: Condvar::new(),
            capacity: self.capacity_bytes,
            overflow: self.overflow,
            flush_interval: self.flush_interval,
            written: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            fallback: Mutex::new(None),
            diagnostics: Diagnostics::new(self.thread_name.clone()),
        });
        let worker = Arc::clone(&shared);
        let writer: Box<dyn BatchWriter> = Box::new(writer);
        let handle = thread::Builder::new()
            .name(self.thread_name)
            .spawn(move || run_worker(&worker, writer))?;
        let queue = NonBlocking { shared };
        let guard = WorkerGuard {
            queue: queue.clone(),
            handle: Some(handle),
            timeout: self.shutdown_timeout,
        };
        Ok((queue, guard))
    }
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    space: Condvar,
    done: Condvar,
    capacity: usize,
    overflow: Overflow,
    flush_interval: Duration,
    written: AtomicU64,
    bytes: AtomicU64,
    failed: AtomicU64,
    dropped: AtomicU64,
    // The writer, handed back by the worker when it stops; written to on callers' threads
    // afterwards. Never locked together with `state` by a caller.
    fallback: Mutex<Option<Box<dyn BatchWriter>>>,
    diagnostics: Diagnostics,
}

struct State {
    buf: Vec<u8>,
    segments: Vec<Segment>,
    records: u64,
    // Sequence numbers of accepted records: `pushed` counts every one, `done` those written
    // (or failed) and flushed.
    pushed: u64,
    done: u64,
    dropped_unreported: u64,
    worker_waiting: bool,
    blocked: u32,
    flush_waiters: u32,
    flush_requested: bool,
    shutdown: bool,
    worker_alive: bool,
}

impl State {
    fn new(capacity: usize) -> Self {
        State {
            // Reserved whole so that a caller never reallocates it; pages cost memory only once
            // they are written, and the capacity is bounded by MAX_CAPACITY_BYTES.
            buf: Vec::with_capacity(capacity),
            segments: Vec::with_capacity(SEGMENTS),
            records: 0,
            pushed: 0,
            done: 0,
            dropped_unreported: 0,
            worker_waiting: false,
            blocked: 0,
            flush_waiters: 0,
            flush_requested: false,
            shutdown: false,
            worker_alive: true,
        }
    }

    fn append(&mut self, key: u64, bytes: &[u8], records: u64) {
        self.buf.extend_from_slice(bytes);
        match self.segments.last_mut() {
            Some(last) if last.key == key => last.end = self.buf.len(),
            _ => self.segments.push(Segment {
                key,
                end: self.buf.len(),
            }),
        }
        self.records += records;
        self.pushed += records;
    }
}

thread_local! {
    // On a worker thread, the address of its queue: a worker must never wait for its own.
    static ON_WORKER: Cell<usize> = const { Cell::new(0) };
    // Set while this thread writes directly to a handed-back writer: a record logged from
    // inside that write (by the writer, or by the panic hook) must not wait for it.
    static IN_DIRECT_WRITE: Cell<bool> = const { Cell::new(false) };
}

fn on_worker_of(shared: &Shared) -> bool {
    ON_WORKER.try_with(Cell::get).unwrap_or(0) == shared as *const Shared as usize
}

/// `now + timeout`, or `None` for a timeout too long to represent (wait without a deadline).
fn deadline(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

/// Waits on `condvar` until `deadline` (or for ever when there is none); returns whether it
/// timed out.
fn wait(condvar: &Condvar, st: &mut MutexGuard<'_, State>, deadline: Option<Instant>) -> bool {
    match deadline {
        Some(d) => condvar.wait_until(st, d).timed_out(),
        None => {
            condvar.wait(st);
            false
        }
    }
}

/// What happened to a pushed record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pushed {
    /// It is in the buffer (or was written directly after shutdown).
    Accepted,
    /// The buffer was full under [`Overflow::Drop`]; it was counted.
    Dropped,
    /// The worker is gone and the writer with it; it was counted as failed.
    Failed,
}

/// A snapshot of a worker's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct QueueStats {
    /// Records written.
    pub written: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Records dropped because the buffer was full.
    pub dropped: u64,
    /// Records whose write failed.
    pub failed: u64,
    /// Records waiting in the buffer.
    pub queued: u64,
    /// Bytes waiting in the buffer.
    pub queued_bytes: u64,
}

/// The caller's side of a worker: cheap to clone, safe to share.
#[derive(Clone)]
pub struct NonBlocking {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for NonBlocking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NonBlocking").field("stats", &self.stats()).finish()
    }
}

impl NonBlocking {
    /// Queues one record's bytes under `key` (records with equal consecutive keys form one
    /// segment of a batch; pass 0 when keys do not matter).
    pub fn push(&self, key: u64, bytes: &[u8]) -> Pushed {
        self.push_records(key, bytes, 1)
    }

    /// Queues `records` whole records' bytes at once under `key`: what a sink that formats a
    /// batch of records off the caller's thread hands on. They are kept or dropped together.
    pub fn push_records(&self, key: u64, bytes: &[u8], records: u64) -> Pushed {
        let shared = &*self.shared;
        let mut st = shared.state.lock();
        loop {
            if !st.worker_alive {
                drop(st);
                return write_directly(shared, key, bytes, records);
            }
            if st.buf.is_empty() || st.buf.len() + bytes.len() <= shared.capacity {
                break;
            }
            if shared.overflow == Overflow::Drop || on_worker_of(shared) {
                saturating_add(&shared.dropped, records);
                st.dropped_unreported = st.dropped_unreported.saturating_add(records);
                return Pushed::Dropped;
            }
            st.blocked += 1;
            wake_worker(shared, &mut st);
            shared.space.wait(&mut st);
            st.blocked -= 1;
        }
        let before = st.buf.len();
        st.append(key, bytes, records);
        let half = shared.capacity / 2;
        if before < half && st.buf.len() >= half {
            wake_worker(shared, &mut st);
        }
        Pushed::Accepted
    }

    /// Waits until every record pushed before this call has been handled (written and flushed,
    /// or counted as failed), or `timeout` passes; returns whether it all was. On the queue's
    /// own worker thread it returns at once.
    pub fn flush(&self, timeout: Duration) -> bool {
        let shared = &*self.shared;
        let mut st = shared.state.lock();
        let target = st.pushed;
        if st.done >= target || on_worker_of(shared) {
            return st.done >= target;
        }
        st.flush_requested = true;
        st.flush_waiters += 1;
        wake_worker(shared, &mut st);
        let deadline = deadline(timeout);
        while st.done < target && st.worker_alive {
            if wait(&shared.done, &mut st, deadline) {
                break;
            }
        }
        st.flush_waiters -= 1;
        st.done >= target
    }

    /// Asks the worker to drain, flush and stop, waiting up to `timeout`; returns whether it
    /// stopped with nothing left. Records pushed afterwards are written on the caller's thread.
    pub fn shutdown(&self, timeout: Duration) -> bool {
        let shared = &*self.shared;
        let mut st = shared.state.lock();
        // A second request after one that gave up does not wait again: it would only stall
        // whichever thread happens to drop the last handle.
        let timeout = if st.shutdown { Duration::ZERO } else { timeout };
        st.shutdown = true;
        wake_worker(shared, &mut st);
        let deadline = deadline(timeout);
        while st.worker_alive && !on_worker_of(shared) {
            if wait(&shared.done, &mut st, deadline) {
                break;
            }
        }
        let left = st.pushed - st.done;
        if left > 0 {
            drop(st);
            shared.diagnostics.report(format_args!(
                "{left} records were still waiting to be written when shutdown gave up after {timeout:?}"
            ));
            return false;
        }
        !st.worker_alive
    }

    /// The worker's counters.
    pub fn stats(&self) -> QueueStats {
        let shared = &*self.shared;
        let st = shared.state.lock();
        QueueStats {
            written: shared.written.load(Ordering::Relaxed),
            bytes: shared.bytes.load(Ordering::Relaxed),
            dropped: shared.dropped.load(Ordering::Relaxed),
            failed: shared.failed.load(Ordering::Relaxed),
            queued: st.records,
            queued_bytes: st.buf.len() as u64,
        }
    }

    /// The worker's rate-limited error reports.
    pub fn diagnostics(&self) -> &Diagnostics {
        &self.shared.diagnostics
    }
}

fn wake_worker(shared: &Shared, st: &mut MutexGuard<'_, State>) {
    if st.worker_waiting {
        st.worker_waiting = false;
        shared.wake.notify_one();
    }
}

/// Drains and stops the worker when dropped, waiting up to the shutdown timeout.
#[must_use = "dropping the guard stops the worker; keep it for as long as records are written"]
#[derive(Debug)]
pub struct WorkerGuard {
    queue: NonBlocking,
    handle: Option<thread::JoinHandle<()>>,
    timeout: Duration,
}

impl WorkerGuard {
    /// Drains and stops the worker now; returns whether everything was written.
    pub fn shutdown(mut self) -> bool {
        self.stop()
    }

    fn stop(&mut self) -> bool {
        let drained = self.queue.shutdown(self.timeout);
        if let Some(handle) = self.handle.take()
            && handle.is_finished()
        {
            let _ = handle.join();
        }
        drained
    }
}

impl Drop for WorkerGuard {
    fn drop(&mut self) {
        if self.handle.is_some() {
            self.stop();
        }
    }
}

mod run;

#[cfg(test)]
mod tests;
