//! The six severities the seeds use, with Python's names (WARNING, CRITICAL).
//!
//! The `log` facade has five levels; CRITICAL is added above ERROR, as in Python's `logging`.

use std::fmt;
use std::str::FromStr;

/// The severity of one record, from the most verbose to the most severe.
///
/// Ordering follows severity: `Level::Trace < Level::Critical`.
///
/// ```
/// use logfmt::Level;
/// assert!(Level::Warning > Level::Info);
/// assert_eq!("warn".parse::<Level>(), Ok(Level::Warning));
/// assert_eq!(Level::Critical.as_str(), "CRITICAL");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Step-by-step detail, normally off.
    Trace = 0,
    /// Detail for development (full prompts, parsed JSON, stack traces).
    Debug = 1,
    /// Normal operation: request summaries, performance figures.
    Info = 2,
    /// Something unexpected that the server handled.
    Warning = 3,
    /// A failed operation.
    Error = 4,
    /// The server cannot continue as it is.
    Critical = 5,
}

impl Level {
    /// Every level, from the most verbose up.
    pub const ALL: [Level; 6] = [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Warning,
        Level::Error,
        Level::Critical,
    ];

    /// The upper-case name written in log lines (`WARNING`, not `WARN`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
            Level::Critical => "CRITICAL",
        }
    }

    /// The lower-case name used in configuration and JSON (`warning`).
    pub const fn as_lower_str(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
            Level::Critical => "critical",
        }
    }

    /// The level's position in [`Level::ALL`], handy for per-level counters.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The level at `index` in [`Level::ALL`], if there is one.
    pub const fn from_index(index: usize) -> Option<Level> {
        if index < Level::ALL.len() {
            Some(Level::ALL[index])
        } else {
            None
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The error for a level name that is not one of the six (or an accepted alias).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseLevelError {
    /// The text that was given.
    pub given: String,
}

impl ParseLevelError {
    /// What a valid value looks like, for error messages.
    pub const EXPECTED: &'static str = "one of trace, debug, info, warning, error, critical";
}

impl fmt::Display for ParseLevelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown level {:?}: expected {}", self.given, Self::EXPECTED)
    }
}

impl std::error::Error for ParseLevelError {}

impl FromStr for Level {
    type Err = ParseLevelError;

    /// Case-insensitive; `warn` and `warning`, `crit`, `fatal` and `critical` are accepted.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim();
        let level = [
            ("trace", Level::Trace),
            ("debug", Level::Debug),
            ("info", Level::Info),
            ("warning", Level::Warning),
            ("warn", Level::Warning),
            ("error", Level::Error),
            ("critical", Level::Critical),
            ("crit", Level::Critical),
            ("fatal", Level::Critical),
        ]
        .into_iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(name))
        .map(|(_, level)| level);
        level.ok_or_else(|| ParseLevelError { given: s.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_case_insensitively_with_aliases() {
        for (text, level) in [
            ("TRACE", Level::Trace),
            ("Debug", Level::Debug),
            ("info", Level::Info),
            ("WARN", Level::Warning),
            ("Warning", Level::Warning),
            ("error", Level::Error),
            ("CRITICAL", Level::Critical),
            (" fatal ", Level::Critical),
        ] {
            assert_eq!(text.parse::<Level>(), Ok(level), "{text}");
        }
    }

    #[test]
    fn unknown_name_says_what_is_expected() {
        let err = "verbose".parse::<Level>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown level \"verbose\": expected one of trace, debug, info, warning, error, critical"
        );
    }

    #[test]
    fn display_pads_like_a_str() {
        assert_eq!(format!("{:<8}|", Level::Info), "INFO    |");
        assert_eq!(format!("{:<8}|", Level::Critical), "CRITICAL|");
    }

    #[test]
    fn index_round_trips() {
        for level in Level::ALL {
            assert_eq!(Level::from_index(level.index()), Some(level));
        }
        assert_eq!(Level::from_index(6), None);
    }
}
