//! The crate's error type.

use crate::ConfigError;

/// What can go wrong setting the logger up or changing it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `install` was called a second time in this process.
    #[error("a logcore logger is already installed in this process; install it once, at start-up")]
    AlreadyInstalled,
    /// Another logger took the `log` crate's global slot first.
    #[error("another logger is already installed through the `log` crate (only one can be)")]
    OtherLoggerInstalled,
    /// A function that needs the installed logger was called before `install`.
    #[error("no logcore logger is installed; call logcore::install first")]
    NotInstalled,
    /// The configuration is not usable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A sink's worker thread could not be started.
    #[error("starting the worker thread of sink {sink:?} failed: {source}")]
    Spawn {
        /// The sink.
        sink: String,
        /// Why.
        source: std::io::Error,
    },
    /// A sink of that name is already registered.
    #[error("a sink called {0:?} is already registered")]
    SinkExists(String),
    /// No sink of that name is registered.
    #[error("no sink called {0:?} is registered")]
    NoSuchSink(String),
    /// The configured time zone cannot be loaded.
    #[error("time zone {name:?} cannot be loaded: {reason}")]
    TimeZone {
        /// The zone as configured.
        name: String,
        /// Why.
        reason: String,
    },
}
