//! Sinks that take their records on the logger's worker thread.
//!
//! A log call captures the record once ([`capture`](crate::capture::capture)) and queues it on
//! the logger's worker, with one bit per deferred sink that accepted it; the worker replays it
//! to each of those sinks. So a second or third deferred sink (a file and two collectors, say)
//! adds no work to the log call, and formatting for the file happens off the caller's thread.

use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

use crate::capture::{Captured, frames};
use crate::{Batch, BatchWriter, Diagnostics};

/// The part of a sink that runs on the logger's worker thread (see [`Sink::deferred`]).
///
/// [`Sink::deferred`]: crate::Sink::deferred
///
/// It must not block for long (the worker serves every deferred sink) and must not log
/// through `log`.
pub trait Deferred: Send + 'static {
    /// Takes one record the sink accepted; records arrive in the order they were logged.
    fn take(&mut self, record: Captured<'_>);

    /// Called after the last record of each batch that gave this sink any: hand on what
    /// [`take`](Self::take) gathered.
    fn end_batch(&mut self) {}
}

/// The most deferred sinks one logger has at once: one bit each in a record's key.
pub const MAX_DEFERRED: usize = 64;

/// The deferred sinks by bit.
pub(crate) struct Slots {
    slots: Vec<Option<Box<dyn Deferred>>>,
    // Where the search for a free bit starts: bits are handed out in turn, so a record queued
    // for a sink just removed does not reach one just added.
    next: usize,
}

impl Slots {
    pub(crate) fn new() -> Self {
        Slots {
            slots: (0..MAX_DEFERRED).map(|_| None).collect(),
            next: 0,
        }
    }

    /// Puts `deferred` in a free slot; returns its bit, or `None` when all are taken.
    pub(crate) fn insert(&mut self, deferred: Box<dyn Deferred>) -> Option<u8> {
        let free = (0..MAX_DEFERRED)
            .map(|i| (self.next + i) % MAX_DEFERRED)
            .find(|&i| self.slots[i].is_none())?;
        self.slots[free] = Some(deferred);
        self.next = (free + 1) % MAX_DEFERRED;
        Some(free as u8)
    }

    pub(crate) fn remove(&mut self, bit: u8) -> Option<Box<dyn Deferred>> {
        self.slots[usize::from(bit)].take()
    }
}

/// The logger's worker writer: replays each queued record to the deferred sinks its key names.
pub(crate) struct Fanout {
    pub(crate) slots: Arc<Mutex<Slots>>,
    /// Records queued and not yet handed over (see the logger's `queued`).
    pub(crate) queued: Arc<AtomicU64>,
    pub(crate) diagnostics: Diagnostics,
}

/// The bits set in `mask`, lowest first.
fn bits(mut mask: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (mask != 0).then(|| {
            let bit = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            bit
        })
    })
}

impl Fanout {
    fn guarded(&self, bit: usize, call: impl FnOnce()) {
        if catch_unwind(AssertUnwindSafe(call)).is_err() {
            self.diagnostics.report(format_args!(
                "a deferred sink (slot {bit}) panicked while taking records"
            ));
        }
    }
}

impl BatchWriter for Fanout {
    fn write_batch(&mut self, batch: &Batch<'_>) -> io::Result<()> {
        let mut slots = self.slots.lock();
        let mut touched = 0u64;
        let mut handed = 0u64;
        for (mask, bytes) in batch.segments() {
            touched |= mask;
            for record in frames(bytes) {
                handed += 1;
                for bit in bits(mask) {
                    if let Some(sink) = slots.slots[bit].as_mut() {
                        self.guarded(bit, || sink.take(record));
                    }
                }
            }
        }
        for bit in bits(touched) {
            if let Some(sink) = slots.slots[bit].as_mut() {
                self.guarded(bit, || sink.end_batch());
            }
        }
        drop(slots);
        // Only now may a caller serve a deferred sink itself without overtaking these.
        self.queued.fetch_sub(handed, Ordering::AcqRel);
        Ok(())
    }

    /// Under the `drop` overflow policy the deferred sinks never see these records; the count
    /// is in `stats().worker.dropped`, and said here.
    fn dropped(&mut self, count: u64) {
        self.diagnostics.report(format_args!(
            "{count} records for the deferred sinks were dropped: the logger's queue was full"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Nothing;

    impl Deferred for Nothing {
        fn take(&mut self, _: Captured<'_>) {}
    }

    #[test]
    fn bits_are_listed_lowest_first() {
        assert_eq!(bits(0).count(), 0);
        assert_eq!(bits(0b1010_0001).collect::<Vec<_>>(), [0, 5, 7]);
        assert_eq!(bits(u64::MAX).count(), 64);
        assert_eq!(bits(1 << 63).collect::<Vec<_>>(), [63]);
    }

    #[test]
    fn slots_are_handed_out_in_turn_and_run_out_at_64() {
        let mut slots = Slots::new();
        assert_eq!(slots.insert(Box::new(Nothing)), Some(0));
        assert_eq!(slots.insert(Box::new(Nothing)), Some(1));
        assert!(slots.remove(0).is_some());
        // The freed bit is not reused at once.
        assert_eq!(slots.insert(Box::new(Nothing)), Some(2));
        for _ in 3..MAX_DEFERRED {
            assert!(slots.insert(Box::new(Nothing)).is_some());
        }
        assert_eq!(
            slots.insert(Box::new(Nothing)),
            Some(0),
            "the freed bit, once the others are taken"
        );
        assert_eq!(slots.insert(Box::new(Nothing)), None);
    }
}
