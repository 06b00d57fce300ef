//! Where the logger's timestamps come from: the system clock, or one a test sets.

use std::time::Duration;

use logfmt::Timestamp;
use parking_lot::Mutex;

/// A source of timestamps; inject one to test rotation or daylight-saving changes.
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// A [`Clock`] that stays where it is set: for tests of rotation and daylight-saving changes.
///
/// ```
/// use logcore::{Clock, ManualClock};
/// use logfmt::Timestamp;
/// use std::time::Duration;
/// let clock = ManualClock::new(Timestamp::new(1_737_297_015, 0));
/// clock.advance(Duration::from_secs(86_400));
/// assert_eq!(clock.now().unix_seconds(), 1_737_383_415);
/// ```
#[derive(Debug)]
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    /// A clock showing `at`.
    pub fn new(at: Timestamp) -> Self {
        ManualClock(Mutex::new(at))
    }

    /// Sets the time.
    pub fn set(&self, at: Timestamp) {
        *self.0.lock() = at;
    }

    /// Moves the time forward.
    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock();
        *now = *now + by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock()
    }
}
