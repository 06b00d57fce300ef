//! A sink's own troubles, reported on stderr at a bounded rate and kept for its stats.
//!
//! A sink must never report through the logger it belongs to: a failing sink that logs its
//! failure would feed itself. These reports go straight to stderr, at most one a second per
//! sink, with a count of the ones held back.

use std::fmt;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Rate-limited stderr reports for one sink, and its last error for `stats()`.
///
/// ```
/// use logcore::Diagnostics;
/// let diag = Diagnostics::new("file:app");
/// diag.report(format_args!("write failed: {}", "No space left on device"));
/// assert_eq!(diag.last_error().as_deref(), Some("write failed: No space left on device"));
/// ```
#[derive(Debug)]
pub struct Diagnostics {
    name: String,
    interval: Duration,
    state: Mutex<State>,
    suppressed: AtomicU64,
}

#[derive(Debug, Default)]
struct State {
    last_report: Option<Instant>,
    last_error: Option<String>,
}

impl Diagnostics {
    /// Reports for the sink called `name`, at most one a second.
    pub fn new(name: impl Into<String>) -> Self {
        Self::with_interval(name, Duration::from_secs(1))
    }

    /// Reports at most one per `interval`.
    pub fn with_interval(name: impl Into<String>, interval: Duration) -> Self {
        Diagnostics {
            name: name.into(),
            interval,
            state: Mutex::new(State::default()),
            suppressed: AtomicU64::new(0),
        }
    }

    /// Records `message` as the last error and writes it to stderr unless another report went
    /// out less than the interval ago.
    pub fn report(&self, message: fmt::Arguments<'_>) {
        let text = message.to_string();
        let now = Instant::now();
        let mut state = self.state.lock();
        let due = state
            .last_report
            .is_none_or(|last| now.duration_since(last) >= self.interval);
        state.last_error = Some(text.clone());
        if !due {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
            return;
        }
        state.last_report = Some(now);
        drop(state);
        let more = held_back_note(self.suppressed.swap(0, Ordering::Relaxed));
        // stderr may itself be gone; there is nowhere further to report that.
        let _ = writeln!(std::io::stderr().lock(), "[logcore] {}: {text}{more}", self.name);
    }

    /// The most recent error reported, if any.
    pub fn last_error(&self) -> Option<String> {
        self.state.lock().last_error.clone()
    }

    /// The name reports are written under.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// What a report adds about the `count` reports held back since the last one.
fn held_back_note(count: u64) -> String {
    match count {
        0 => String::new(),
        1 => " (1 similar report held back)".to_owned(),
        n => format!(" ({n} similar reports held back)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_held_back_note_counts_in_words_that_agree() {
        assert_eq!(held_back_note(0), "");
        assert_eq!(held_back_note(1), " (1 similar report held back)");
        assert_eq!(held_back_note(4), " (4 similar reports held back)");
    }

    #[test]
    fn reports_inside_the_interval_are_counted_not_written() {
        let d = Diagnostics::with_interval("t", Duration::from_secs(3600));
        d.report(format_args!("first"));
        d.report(format_args!("second"));
        d.report(format_args!("third"));
        assert_eq!(d.suppressed.load(Ordering::Relaxed), 2);
        assert_eq!(d.last_error().as_deref(), Some("third"));
    }
}
