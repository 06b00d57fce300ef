//! The `log` facade logger of the workspace: what an LLM inference server logs through.
//!
//! - Levels: a global level (`LOG_LEVEL`), a console level (`CONSOLE_LOG_LEVEL`), per-target
//!   levels in `RUST_LOG` syntax, and a level and target filter per sink, all changeable at
//!   run time. A disabled record costs one relaxed atomic load.
//! - Request context: a [`RequestId`] per request, set by a [`RequestScope`] on a thread or by
//!   [`RequestIdExt::with_request_id`] on a future, written on every line.
//! - Sinks: the [`ConsoleSink`], and any [`Sink`] added at start or at run time; those that
//!   write off-thread share the [`NonBlocking`] worker.
//! - [`stats()`], configuration from TOML and the environment ([`Config`]), the seeds' helpers
//!   ([`log_error!`], [`log_request_info`], [`request_logger`]) and a panic hook.
//!
//! ```no_run
//! let _guard = logcore::install(logcore::Config::from_env()?)?;
//! logcore::info!("VLLM Server starting up");
//! let id = logcore::RequestId::generate();
//! let _scope = logcore::RequestScope::enter(id);
//! logcore::info!(prompt_tokens = 100; "Processing generation request");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

mod bridge;
pub mod capture;
mod clock;
mod config;
mod console;
mod context;
mod deferred;
mod diag;
mod directives;
mod error;
mod global;
mod helpers;
mod level;
mod logger;
mod macros;
mod memory;
mod panic;
mod sink;
mod stats;
mod worker;

pub use capture::Captured;
pub use clock::{Clock, ManualClock};
pub use config::{
    Config, ConfigError, ConfigLoader, ConfigSection, ConsoleConfig, ENV_VARS, Origin, PerfConfig, QueueConfig,
    RequestConfig, TimeZoneSetting,
};
pub use console::{ColorMode, ConsoleSink, ConsoleSinkBuilder, Stream, dropped_notice};
pub use context::{
    InvalidRequestId, RequestId, RequestIdExt, RequestScope, WithRequestId, current_request_id, in_request,
};
pub use deferred::{Deferred, MAX_DEFERRED};
pub use diag::Diagnostics;
pub use directives::Directives;
pub use error::Error;
pub use global::{
    CONSOLE_SINK, LoggerBuilder, LoggerGuard, add_sink, flush, install, logger, remove_sink, reopen, set_console_level,
    set_level, set_sink_level, set_target_level, shutdown, stats,
};
pub use helpers::{ERROR_TARGET, REQUEST_TARGET, RequestLogger, log_error, log_request_info, request_logger};
pub use level::LevelFilter;
pub use logfmt::{
    Day, Event, Fields, Format, Formatter, Level, Precision, Scratch, Timestamp, Value, Zone, is_sensitive_header,
    is_sensitive_key, preview, redact, truncate_chars,
};
pub use logger::Logger;
pub use memory::{CapturedRecord, MemorySink};
pub use panic::{PANIC_TARGET, install_panic_hook};
pub use sink::{LineBuf, Sink, SinkOptions, SinkStats, WorkerSink};
pub use stats::{RecordCounts, SinkReport, Stats};
pub use worker::{
    Batch, BatchWriter, MAX_CAPACITY_BYTES, NonBlocking, NonBlockingBuilder, Overflow, Pushed, QueueStats, WorkerGuard,
};

/// What the macros expand to; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::bridge::FUNCTION_KEY;
    pub use crate::helpers::{__log_error as log_error, Site};
    pub use log;
}
