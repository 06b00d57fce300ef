//! The loggers compared: each module sets one up to write into a directory, runs the workload
//! through its own macros, and shuts it down so that every record is in the file.

mod baseline;
mod fern_file;
mod flexi;
mod ftlog_async;
mod log4rs_file;
mod ours;
mod spdlog_async;
mod tracing_nb;

use std::fmt;
use std::path::Path;

use crate::harness::{Measured, Plan};

/// A logger this bench knows how to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Logger {
    /// This workspace's `logcore` with the `logsink-file` sink.
    Ours,
    /// `fern`, writing to a file.
    Fern,
    /// `log4rs`'s file appender and pattern encoder.
    Log4rs,
    /// `flexi_logger`, `WriteMode::Direct`.
    FlexiDirect,
    /// `flexi_logger`, `WriteMode::Async`.
    FlexiAsync,
    /// `tracing-subscriber`'s fmt layer over `tracing-appender`'s lossless non-blocking writer.
    TracingAppender,
    /// `spdlog-rs`, an `AsyncPoolSink` over a `FileSink`.
    SpdlogAsync,
    /// `ftlog`, its default asynchronous logger writing to a file.
    Ftlog,
    /// Format into a thread's buffer, append through one locked `BufWriter`: the limit.
    Baseline,
}

impl Logger {
    /// Every logger, in the order of the report.
    pub(crate) const ALL: [Logger; 9] = [
        Logger::Ours,
        Logger::Baseline,
        Logger::Fern,
        Logger::Log4rs,
        Logger::FlexiDirect,
        Logger::FlexiAsync,
        Logger::TracingAppender,
        Logger::SpdlogAsync,
        Logger::Ftlog,
    ];

    /// The name on the command line and in the report.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Logger::Ours => "ours",
            Logger::Fern => "fern",
            Logger::Log4rs => "log4rs",
            Logger::FlexiDirect => "flexi-direct",
            Logger::FlexiAsync => "flexi-async",
            Logger::TracingAppender => "tracing-appender",
            Logger::SpdlogAsync => "spdlog-async",
            Logger::Ftlog => "ftlog",
            Logger::Baseline => "baseline",
        }
    }

    /// The logger called `name`.
    pub(crate) fn parse(name: &str) -> Result<Logger, String> {
        Logger::ALL.into_iter().find(|l| l.name() == name).ok_or_else(|| {
            let names: Vec<&str> = Logger::ALL.iter().map(|l| l.name()).collect();
            format!("unknown logger `{name}`; known: {}", names.join(", "))
        })
    }

    /// A peer: neither `ours` nor `baseline`, so a candidate for "best peer".
    pub(crate) fn is_peer(self) -> bool {
        !matches!(self, Logger::Ours | Logger::Baseline)
    }

    /// Sets the logger up to write into `dir`, runs `plan` through it and shuts it down.
    pub(crate) fn run(self, plan: &Plan, dir: &Path) -> Result<Measured, String> {
        match self {
            Logger::Ours => ours::run(plan, dir),
            Logger::Fern => fern_file::run(plan, dir),
            Logger::Log4rs => log4rs_file::run(plan, dir),
            Logger::FlexiDirect => flexi::run(plan, dir, flexi::Mode::Direct),
            Logger::FlexiAsync => flexi::run(plan, dir, flexi::Mode::Async),
            Logger::TracingAppender => tracing_nb::run(plan, dir),
            Logger::SpdlogAsync => spdlog_async::run(plan, dir),
            Logger::Ftlog => ftlog_async::run(plan, dir),
            Logger::Baseline => baseline::run(plan, dir),
        }
    }
}

impl fmt::Display for Logger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for logger in Logger::ALL {
            assert_eq!(Logger::parse(logger.name()), Ok(logger));
        }
        assert!(Logger::parse("slog").unwrap_err().contains("flexi-async"));
    }
}
