//! What a destination of records implements, and the per-sink filter the logger applies.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::time::Duration;

use logfmt::{Event, Formatter, Level};
use serde::Serialize;

use crate::directives::target_matches;
use crate::{BatchWriter, Deferred, LevelFilter, NonBlocking, NonBlockingBuilder, QueueStats, WorkerGuard};

/// A destination of records: the console, a file, a collector.
///
/// [`Sink::log`] runs on the thread that logged, for every record the sink's level and target
/// filter accept. It must not block on I/O: format into the given [`LineBuf`] and hand the
/// bytes to a [`NonBlocking`](crate::NonBlocking) worker. It must not log through `log` (its
/// own troubles go to [`Diagnostics`](crate::Diagnostics)).
///
/// A sink that returns a [`Deferred`] from [`Sink::deferred`] takes its records on the
/// logger's worker thread instead: the caller captures each record once for all such sinks.
pub trait Sink: Send + Sync + 'static {
    /// Takes one record.
    fn log(&self, event: &Event<'_>, line: &mut LineBuf);

    /// The part of this sink that takes records on the logger's worker thread, when it has
    /// one; the logger asks once, when the sink is added. It is used while the logger has two
    /// or more deferred sinks; with only this one (or past [64](crate::MAX_DEFERRED)), the
    /// logger calls [`Sink::log`] on the caller's thread instead, so that must work too. The
    /// sink's other methods still run on callers' threads: [`Sink::flush`] is called after the
    /// logger's worker has handed it every record logged before.
    fn deferred(&self) -> Option<Box<dyn Deferred>> {
        None
    }

    /// Waits until every record taken so far is written, up to `timeout`; returns whether
    /// everything was.
    fn flush(&self, timeout: Duration) -> bool;

    /// Flushes and stops background work, up to `timeout`; returns whether everything was
    /// written. Records taken afterwards must still be handled (written directly, or counted).
    fn shutdown(&self, timeout: Duration) -> bool {
        self.flush(timeout)
    }

    /// Reopens files (after an external log rotation); nothing for other sinks.
    fn reopen(&self) {}

    /// The sink's counters.
    fn stats(&self) -> SinkStats;
}

/// A shared sink is a sink: keep an `Arc` to a sink handed to the logger to reach its own
/// methods (a file sink's current file, say).
impl<S: Sink + ?Sized> Sink for std::sync::Arc<S> {
    fn log(&self, event: &Event<'_>, line: &mut LineBuf) {
        (**self).log(event, line)
    }

    fn deferred(&self) -> Option<Box<dyn Deferred>> {
        (**self).deferred()
    }

    fn flush(&self, timeout: Duration) -> bool {
        (**self).flush(timeout)
    }

    fn shutdown(&self, timeout: Duration) -> bool {
        (**self).shutdown(timeout)
    }

    fn reopen(&self) {
        (**self).reopen()
    }

    fn stats(&self) -> SinkStats {
        (**self).stats()
    }
}

/// A sink's counters, as `stats()` reports them.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SinkStats {
    /// What kind of sink: `console`, `file`, `syslog`, ...
    pub kind: String,
    /// Records written.
    pub written: u64,
    /// Records dropped (full buffer under the `drop` policy).
    pub dropped: u64,
    /// Records whose write failed.
    pub failed: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Records waiting to be written.
    pub queued: u64,
    /// The directory the sink writes in, for file sinks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub directory: Option<String>,
    /// The file being written, for file sinks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Where a remote sink ships its records (without credentials).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// The most recent error, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Further counters particular to the kind of sink (`rotations`, `retried`, ...).
    #[serde(flatten)]
    pub extra: BTreeMap<String, u64>,
}

impl SinkStats {
    /// Stats of a sink of `kind` with a worker's counters.
    pub fn from_queue(kind: &str, queue: &QueueStats) -> Self {
        SinkStats {
            kind: kind.to_owned(),
            written: queue.written,
            dropped: queue.dropped,
            failed: queue.failed,
            bytes: queue.bytes,
            queued: queue.queued,
            ..SinkStats::default()
        }
    }
}

/// A sink that formats each record on the caller's thread and hands the bytes to a
/// non-blocking worker, which writes them with a [`BatchWriter`]: the shape of every sink that
/// writes somewhere (the console sink is one).
///
/// ```
/// use logcore::{Batch, BatchWriter, Format, Formatter, NonBlockingBuilder, WorkerSink};
/// struct Stderr;
/// impl BatchWriter for Stderr {
///     fn write_batch(&mut self, batch: &Batch<'_>) -> std::io::Result<()> {
///         use std::io::Write;
///         std::io::stderr().write_all(batch.bytes())
///     }
/// }
/// let sink = WorkerSink::spawn("stderr", Formatter::new(Format::Json), NonBlockingBuilder::default(), Stderr)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct WorkerSink {
    kind: String,
    formatter: Formatter,
    queue: NonBlocking,
    _guard: WorkerGuard,
}

impl WorkerSink {
    /// Starts a worker for `writer`; records are formatted with `formatter`. `kind` names the
    /// sink in its stats.
    pub fn spawn(
        kind: &str,
        formatter: Formatter,
        queue: NonBlockingBuilder,
        writer: impl BatchWriter,
    ) -> io::Result<Self> {
        let (queue, guard) = queue.spawn(writer)?;
        Ok(WorkerSink {
            kind: kind.to_owned(),
            formatter,
            queue,
            _guard: guard,
        })
    }

    /// The formatter records are written with.
    pub fn formatter(&self) -> &Formatter {
        &self.formatter
    }

    /// The worker's queue.
    pub fn queue(&self) -> &NonBlocking {
        &self.queue
    }
}

impl fmt::Debug for WorkerSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkerSink")
            .field("kind", &self.kind)
            .field("formatter", &self.formatter)
            .field("queue", &self.queue)
            .finish()
    }
}

impl Sink for WorkerSink {
    fn log(&self, event: &Event<'_>, line: &mut LineBuf) {
        self.queue.push(0, line.format(&self.formatter, event));
    }

    fn flush(&self, timeout: Duration) -> bool {
        self.queue.flush(timeout)
    }

    fn shutdown(&self, timeout: Duration) -> bool {
        self.queue.shutdown(timeout)
    }

    fn stats(&self) -> SinkStats {
        let mut stats = SinkStats::from_queue(&self.kind, &self.queue.stats());
        stats.last_error = self.queue.diagnostics().last_error();
        stats
    }
}

/// Reusable per-thread buffers a sink formats into.
#[derive(Debug, Default)]
pub struct LineBuf {
    scratch: logfmt::Scratch,
    line: Vec<u8>,
}

impl LineBuf {
    /// Empty buffers.
    pub fn new() -> Self {
        LineBuf::default()
    }

    /// Formats `event` with `formatter` and returns the bytes (valid until the next call).
    pub fn format(&mut self, formatter: &Formatter, event: &Event<'_>) -> &[u8] {
        self.line.clear();
        formatter.format(event, &mut self.line, &mut self.scratch);
        &self.line
    }
}

/// Which records the logger hands a sink, besides the logger's own levels.
///
/// | setting | default |
/// |---|---|
/// | `level` | `trace`: whatever the logger's levels let through |
/// | `include` | empty: every target |
/// | `exclude` | empty |
///
/// Targets match as prefixes on path boundaries: `inference_demo::engine` includes
/// `inference_demo::engine::sampler` but not `inference_demo::engines`.
///
/// ```
/// use logcore::{LevelFilter, SinkOptions};
/// let engine_only = SinkOptions::default()
///     .level(LevelFilter::DEBUG)
///     .include("inference_demo::engine");
/// assert!(engine_only.accepts(logcore::Level::Info, "inference_demo::engine::sampler"));
/// assert!(!engine_only.accepts(logcore::Level::Info, "inference_demo::http"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SinkOptions {
    pub(crate) level: LevelFilter,
    pub(crate) include: Vec<String>,
    pub(crate) exclude: Vec<String>,
}

impl Default for SinkOptions {
    fn default() -> Self {
        SinkOptions {
            level: LevelFilter::TRACE,
            include: Vec::new(),
            exclude: Vec::new(),
        }
    }
}

impl SinkOptions {
    /// The least severe level this sink takes.
    #[must_use]
    pub fn level(mut self, level: LevelFilter) -> Self {
        self.level = level;
        self
    }

    /// Takes only targets under `prefix` (and under other included prefixes).
    #[must_use]
    pub fn include(mut self, prefix: impl Into<String>) -> Self {
        self.include.push(prefix.into());
        self
    }

    /// Never takes targets under `prefix`.
    #[must_use]
    pub fn exclude(mut self, prefix: impl Into<String>) -> Self {
        self.exclude.push(prefix.into());
        self
    }

    /// Whether a record at `level` from `target` passes these options.
    pub fn accepts(&self, level: Level, target: &str) -> bool {
        self.level.allows(level) && self.accepts_target(target)
    }

    pub(crate) fn accepts_target(&self, target: &str) -> bool {
        (self.include.is_empty() || self.include.iter().any(|p| target_matches(target, p)))
            && !self.exclude.iter().any(|p| target_matches(target, p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclude_beats_include() {
        let o = SinkOptions::default().include("app").exclude("app::noisy");
        assert!(o.accepts(Level::Trace, "app::x"));
        assert!(!o.accepts(Level::Error, "app::noisy::y"));
        assert!(!o.accepts(Level::Error, "other"));
    }

    #[test]
    fn level_applies_before_targets() {
        let o = SinkOptions::default().level(LevelFilter::WARNING);
        assert!(!o.accepts(Level::Info, "any"));
        assert!(o.accepts(Level::Critical, "any"));
    }
}
