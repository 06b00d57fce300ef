//! Counters split into cache-line-sized stripes, one per group of threads, so that threads
//! recording at once do not fight over one cache line. A reader adds the stripes up.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Stripes per counter or histogram. Threads are dealt stripes in turn, so up to this many
/// threads record without sharing a line; more share, which is slower but still exact.
pub(crate) const STRIPES: usize = 8;

/// One stripe: an `AtomicU64` alone on its cache line (128 bytes: the prefetcher of current
/// x86 parts pulls lines in pairs).
#[repr(align(128))]
#[derive(Default)]
pub(crate) struct PaddedU64(pub(crate) AtomicU64);

static NEXT_STRIPE: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static STRIPE: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// The calling thread's stripe, dealt on its first call.
#[inline]
pub(crate) fn stripe() -> usize {
    STRIPE.with(|s| {
        let mine = s.get();
        if mine != usize::MAX {
            return mine;
        }
        let dealt = NEXT_STRIPE.fetch_add(1, Ordering::Relaxed) % STRIPES;
        s.set(dealt);
        dealt
    })
}

/// A monotonically increasing count, exact under any number of threads.
#[derive(Default)]
pub(crate) struct StripedU64 {
    stripes: [PaddedU64; STRIPES],
}

impl StripedU64 {
    #[inline]
    pub(crate) fn add(&self, n: u64) {
        self.stripes[stripe()].0.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn sum(&self) -> u64 {
        self.stripes
            .iter()
            .fold(0u64, |acc, s| acc.wrapping_add(s.0.load(Ordering::Relaxed)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_count_is_lost_across_threads() {
        let counter = StripedU64::default();
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..100_000 {
                        counter.add(1);
                    }
                });
            }
        });
        assert_eq!(counter.sum(), 400_000);
    }
}
