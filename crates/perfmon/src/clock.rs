//! Where timers read the time: the monotonic system clock, or one a test moves by hand.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A monotonic time source; inject a [`ManualClock`] to test timers and trackers.
pub trait MonotonicClock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// A [`MonotonicClock`] that moves only when told to.
///
/// ```
/// use perfmon::{ManualClock, MonotonicClock};
/// use std::time::Duration;
/// let clock = ManualClock::new();
/// let start = clock.now();
/// clock.advance(Duration::from_millis(1850));
/// assert_eq!(clock.now() - start, Duration::from_millis(1850));
/// ```
#[derive(Debug)]
pub struct ManualClock {
    origin: Instant,
    offset_ns: AtomicU64,
}

impl ManualClock {
    /// A clock standing at an arbitrary instant.
    pub fn new() -> Self {
        ManualClock {
            origin: Instant::now(),
            offset_ns: AtomicU64::new(0),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let ns = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.offset_ns.fetch_add(ns, Ordering::Relaxed);
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl MonotonicClock for ManualClock {
    fn now(&self) -> Instant {
        self.origin + Duration::from_nanos(self.offset_ns.load(Ordering::Relaxed))
    }
}

/// The clock a monitor uses: the system's unless a test gave one.
#[derive(Clone, Default)]
pub(crate) struct Clock(Option<Arc<dyn MonotonicClock>>);

impl Clock {
    pub(crate) fn new(clock: Option<Arc<dyn MonotonicClock>>) -> Self {
        Clock(clock)
    }

    #[inline]
    pub(crate) fn now(&self) -> Instant {
        match &self.0 {
            None => Instant::now(),
            Some(clock) => clock.now(),
        }
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "Clock(injected)"
        } else {
            "Clock(system)"
        })
    }
}
