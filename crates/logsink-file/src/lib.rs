//! Daily and size-rotating log files for `logcore`: retention, compression off the logging
//! path, routing targets to separate files, and living beside an external logrotate.
//!
//! A [`FileSink`] writes `{dir}/{prefix}{YYYY-MM-DD}{suffix}` (by default the first seed's
//! `logs/logging_vllmserver_YYYY-MM-DD.txt`), starting a new file at midnight in its zone,
//! right across daylight-saving changes, and optionally a new file of the same day
//! (`.1`, `.2`, ...) before one passes a size. The day of a record is the day of its
//! timestamp, so a batch that spans midnight is split between the two files.
//!
//! - Callers format on their own thread and hand bytes to `logcore`'s non-blocking worker;
//!   under the default `Block` policy nothing is lost.
//! - A write that fails (a full disk, a removed directory) is counted and reported on stderr
//!   at most once a second; its lines are kept (up to a retry buffer) and written when the
//!   disk has room again. A file is always cut back to whole lines.
//! - Retention (`max_days`, `max_files`) and gzip compression run on a housekeeping thread.
//! - [`logcore::reopen`] reopens the files ([`reopen_on_sighup`] wires it to SIGHUP); a file
//!   renamed or deleted underneath is noticed within a second and reopened.
//!
//! ```
//! use logcore::{Config, LoggerBuilder, SinkOptions};
//! let dir = tempfile::tempdir()?;
//! let app = logsink_file::FileSink::builder(dir.path()).prefix("vllm_app_").build()?;
//! let engine = logsink_file::FileSink::builder(dir.path()).prefix("vllm_engine_").build()?;
//! let mut config = Config::default();
//! config.console.enabled = false;
//! let logger = LoggerBuilder::new(config)
//!     .sink("file:app", app, SinkOptions::default().exclude("engine"))
//!     .sink("file:engine", engine, SinkOptions::default().include("engine"))
//!     .build()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

mod config;
mod housekeeping;
mod naming;
mod signal;
mod sink;
mod writer;

pub use config::{ConfiguredSink, SECTION, add_to, sinks_from_config};
pub use signal::{SighupGuard, reopen_on_sighup};
pub use sink::{DEFAULT_MAX_DAYS, DEFAULT_PREFIX, DEFAULT_SUFFIX, FileError, FileSink, FileSinkBuilder};
