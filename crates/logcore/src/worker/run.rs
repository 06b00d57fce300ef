//! What runs on the worker thread (take a batch, write it, flush once, repeat), and the
//! direct writes that take over once the worker has handed its writer back.

use std::cell::Cell;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::MutexGuard;

use super::{Batch, BatchWriter, IN_DIRECT_WRITE, ON_WORKER, Pushed, SEGMENTS, Segment, Shared};

pub(super) fn saturating_add(counter: &AtomicU64, n: u64) {
    let _ = counter.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |c| Some(c.saturating_add(n)));
}

/// Writes `records` records with the writer the worker handed back, on the caller's thread.
pub(super) fn write_directly(shared: &Shared, key: u64, bytes: &[u8], records: u64) -> Pushed {
    if IN_DIRECT_WRITE.try_with(Cell::get).unwrap_or(true) {
        // Logged from inside this thread's own direct write: waiting would never end.
        saturating_add(&shared.dropped, records);
        return Pushed::Dropped;
    }
    let mut fallback = shared.fallback.lock();
    let Some(writer) = fallback.as_mut() else {
        // The writer broke (it panicked): there is nothing left to write with.
        shared.failed.fetch_add(records, Ordering::Relaxed);
        return Pushed::Failed;
    };
    let segments = [Segment { key, end: bytes.len() }];
    let batch = Batch {
        bytes,
        segments: &segments,
        records,
    };
    IN_DIRECT_WRITE.with(|w| w.set(true));
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        writer.write_batch(&batch).and_then(|()| writer.flush())
    }));
    IN_DIRECT_WRITE.with(|w| w.set(false));
    match outcome {
        Ok(result) => {
            account(shared, &batch, result);
            Pushed::Accepted
        }
        Err(_) => {
            *fallback = None;
            drop(fallback);
            shared.failed.fetch_add(records, Ordering::Relaxed);
            shared
                .diagnostics
                .report(format_args!("the writer panicked; later records are counted as failed"));
            Pushed::Failed
        }
    }
}

fn account(shared: &Shared, batch: &Batch<'_>, result: io::Result<()>) {
    match result {
        Ok(()) => {
            shared.written.fetch_add(batch.records, Ordering::Relaxed);
            shared.bytes.fetch_add(batch.bytes.len() as u64, Ordering::Relaxed);
        }
        Err(e) => {
            shared.failed.fetch_add(batch.records, Ordering::Relaxed);
            shared
                .diagnostics
                .report(format_args!("writing {} records failed: {e}", batch.records));
        }
    }
}

/// What the worker took from the shared state along with the bytes.
struct Taken {
    records: u64,
    upto: u64,
    dropped: u64,
}

pub(super) fn run_worker(shared: &Shared, mut writer: Box<dyn BatchWriter>) {
    ON_WORKER.with(|w| w.set(shared as *const Shared as usize));
    let mut buf = Vec::with_capacity(shared.capacity);
    let mut segments = Vec::with_capacity(SEGMENTS);
    let mut broken = false;
    loop {
        let mut st = shared.state.lock();
        while st.buf.is_empty() && !st.flush_requested && !st.shutdown {
            st.worker_waiting = true;
            let idle = shared.wake.wait_for(&mut st, shared.flush_interval).timed_out();
            st.worker_waiting = false;
            if idle && st.buf.is_empty() && !broken {
                MutexGuard::unlocked(&mut st, || {
                    let _ = catch_unwind(AssertUnwindSafe(|| writer.tick()));
                });
            }
        }
        std::mem::swap(&mut st.buf, &mut buf);
        std::mem::swap(&mut st.segments, &mut segments);
        let taken = Taken {
            records: std::mem::take(&mut st.records),
            upto: st.pushed,
            dropped: std::mem::take(&mut st.dropped_unreported),
        };
        st.flush_requested = false;
        let stopping = st.shutdown;
        if st.blocked > 0 {
            shared.space.notify_all();
        }
        drop(st);

        broken = write_taken(shared, writer.as_mut(), &buf, &segments, &taken, broken);
        buf.clear();
        segments.clear();
        if buf.capacity() > 4 * shared.capacity {
            buf.shrink_to(shared.capacity);
        }

        let mut st = shared.state.lock();
        st.done = taken.upto;
        if stopping && st.buf.is_empty() {
            if !broken {
                *shared.fallback.lock() = Some(writer);
            }
            st.worker_alive = false;
            drop(st);
            shared.done.notify_all();
            return;
        }
        let notify = st.flush_waiters > 0;
        drop(st);
        if notify {
            shared.done.notify_all();
        }
    }
}

/// Writes one taken batch; returns whether the writer is (now) broken by a panic.
fn write_taken(
    shared: &Shared,
    writer: &mut dyn BatchWriter,
    buf: &[u8],
    segments: &[Segment],
    taken: &Taken,
    broken: bool,
) -> bool {
    let batch = Batch {
        bytes: buf,
        segments,
        records: taken.records,
    };
    if broken {
        shared.failed.fetch_add(taken.records, Ordering::Relaxed);
        return true;
    }
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        if taken.dropped > 0 {
            writer.dropped(taken.dropped);
        }
        let written = if batch.records > 0 {
            writer.write_batch(&batch)
        } else {
            Ok(())
        };
        written.and_then(|()| writer.flush())
    }));
    match outcome {
        Ok(result) => {
            if batch.records > 0 {
                account(shared, &batch, result);
            }
            false
        }
        Err(_) => {
            shared.failed.fetch_add(taken.records, Ordering::Relaxed);
            shared
                .diagnostics
                .report(format_args!("the writer panicked; later records are counted as failed"));
            true
        }
    }
}
