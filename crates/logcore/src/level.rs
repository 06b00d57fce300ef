//! Level filters, their atomic storage, and the mapping to and from the `log` crate's levels.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU8, Ordering};

use logfmt::Level;
use serde::{Serialize, Serializer};

/// The least severe level a filter lets through, or `Off`.
///
/// ```
/// use logcore::{Level, LevelFilter};
/// let f: LevelFilter = "warning".parse().unwrap();
/// assert!(f.allows(Level::Error));
/// assert!(!f.allows(Level::Info));
/// assert!(!LevelFilter::Off.allows(Level::Critical));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LevelFilter {
    /// Records at this level or more severe pass.
    At(Level),
    /// Nothing passes.
    Off,
}

impl LevelFilter {
    /// Everything passes.
    pub const TRACE: LevelFilter = LevelFilter::At(Level::Trace);
    /// DEBUG and above pass.
    pub const DEBUG: LevelFilter = LevelFilter::At(Level::Debug);
    /// INFO and above pass (the default).
    pub const INFO: LevelFilter = LevelFilter::At(Level::Info);
    /// WARNING and above pass.
    pub const WARNING: LevelFilter = LevelFilter::At(Level::Warning);
    /// ERROR and CRITICAL pass.
    pub const ERROR: LevelFilter = LevelFilter::At(Level::Error);
    /// Only CRITICAL passes.
    pub const CRITICAL: LevelFilter = LevelFilter::At(Level::Critical);

    /// Whether a record at `level` passes.
    pub fn allows(self, level: Level) -> bool {
        level as u8 >= self.to_u8()
    }

    /// The more verbose of two filters (the one that lets more through).
    pub fn most_verbose(self, other: LevelFilter) -> LevelFilter {
        if self.to_u8() <= other.to_u8() { self } else { other }
    }

    /// The less verbose of two filters.
    pub fn least_verbose(self, other: LevelFilter) -> LevelFilter {
        if self.to_u8() >= other.to_u8() { self } else { other }
    }

    /// The lower-case name: a level name or `off`.
    pub fn as_str(self) -> &'static str {
        match self {
            LevelFilter::At(level) => level.as_lower_str(),
            LevelFilter::Off => "off",
        }
    }

    pub(crate) const fn to_u8(self) -> u8 {
        match self {
            LevelFilter::At(level) => level as u8,
            LevelFilter::Off => 6,
        }
    }

    pub(crate) const fn from_u8(value: u8) -> LevelFilter {
        match Level::from_index(value as usize) {
            Some(level) => LevelFilter::At(level),
            None => LevelFilter::Off,
        }
    }

    /// The `log` crate's filter that lets through every record this one might want.
    /// CRITICAL travels as `log::Level::Error`, so a CRITICAL-only filter maps to `Error`.
    pub fn to_log(self) -> log::LevelFilter {
        match self {
            LevelFilter::At(Level::Trace) => log::LevelFilter::Trace,
            LevelFilter::At(Level::Debug) => log::LevelFilter::Debug,
            LevelFilter::At(Level::Info) => log::LevelFilter::Info,
            LevelFilter::At(Level::Warning) => log::LevelFilter::Warn,
            LevelFilter::At(Level::Error | Level::Critical) => log::LevelFilter::Error,
            LevelFilter::Off => log::LevelFilter::Off,
        }
    }
}

impl Default for LevelFilter {
    fn default() -> Self {
        LevelFilter::INFO
    }
}

impl From<Level> for LevelFilter {
    fn from(level: Level) -> Self {
        LevelFilter::At(level)
    }
}

impl fmt::Display for LevelFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for LevelFilter {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// What a valid level filter looks like, for error messages.
pub(crate) const LEVEL_FILTER_EXPECTED: &str = "one of trace, debug, info, warning, error, critical (or off)";

impl FromStr for LevelFilter {
    type Err = String;

    /// A level name (case-insensitive; `warn` and `warning` both work) or `off`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().eq_ignore_ascii_case("off") || s.trim().eq_ignore_ascii_case("none") {
            return Ok(LevelFilter::Off);
        }
        s.parse::<Level>()
            .map(LevelFilter::At)
            .map_err(|_| LEVEL_FILTER_EXPECTED.to_owned())
    }
}

/// Maps a `log` record's level; CRITICAL is decided separately (see the macros).
pub(crate) fn from_log(level: log::Level) -> Level {
    match level {
        log::Level::Error => Level::Error,
        log::Level::Warn => Level::Warning,
        log::Level::Info => Level::Info,
        log::Level::Debug => Level::Debug,
        log::Level::Trace => Level::Trace,
    }
}

/// The `log` crate's level for `level`; CRITICAL travels as `Error`.
pub(crate) fn to_log(level: Level) -> log::Level {
    match level {
        Level::Trace => log::Level::Trace,
        Level::Debug => log::Level::Debug,
        Level::Info => log::Level::Info,
        Level::Warning => log::Level::Warn,
        Level::Error | Level::Critical => log::Level::Error,
    }
}

/// A level filter that every thread reads with one relaxed load.
#[derive(Debug)]
pub(crate) struct AtomicLevelFilter(AtomicU8);

impl AtomicLevelFilter {
    pub(crate) fn new(filter: LevelFilter) -> Self {
        AtomicLevelFilter(AtomicU8::new(filter.to_u8()))
    }

    pub(crate) fn get(&self) -> LevelFilter {
        LevelFilter::from_u8(self.0.load(Ordering::Relaxed))
    }

    pub(crate) fn set(&self, filter: LevelFilter) {
        self.0.store(filter.to_u8(), Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_and_order() {
        assert_eq!("OFF".parse::<LevelFilter>(), Ok(LevelFilter::Off));
        assert_eq!("Warn".parse::<LevelFilter>(), Ok(LevelFilter::WARNING));
        assert_eq!("verbose".parse::<LevelFilter>().unwrap_err(), LEVEL_FILTER_EXPECTED);
        assert_eq!(LevelFilter::DEBUG.most_verbose(LevelFilter::ERROR), LevelFilter::DEBUG);
        assert_eq!(LevelFilter::Off.most_verbose(LevelFilter::ERROR), LevelFilter::ERROR);
        assert_eq!(LevelFilter::DEBUG.least_verbose(LevelFilter::Off), LevelFilter::Off);
    }

    #[test]
    fn critical_only_still_asks_log_for_errors() {
        assert_eq!(LevelFilter::CRITICAL.to_log(), log::LevelFilter::Error);
        assert!(LevelFilter::CRITICAL.allows(Level::Critical));
        assert!(!LevelFilter::CRITICAL.allows(Level::Error));
    }

    #[test]
    fn atomic_round_trips_every_filter() {
        let a = AtomicLevelFilter::new(LevelFilter::Off);
        for f in Level::ALL.map(LevelFilter::At).into_iter().chain([LevelFilter::Off]) {
            a.set(f);
            assert_eq!(a.get(), f);
        }
    }
}
