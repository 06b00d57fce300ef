//! A sink that keeps records in memory, for tests of code that logs.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use logfmt::{Event, Level, Timestamp};
use parking_lot::Mutex;

use crate::{LineBuf, Sink, SinkStats};

/// One record as a [`MemorySink`] kept it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CapturedRecord {
    /// When it was made.
    pub timestamp: Timestamp,
    /// Its level.
    pub level: Level,
    /// Its target.
    pub target: String,
    /// The function that logged it, when known.
    pub function: Option<String>,
    /// Its source file, when known.
    pub file: Option<String>,
    /// Its source line, when known.
    pub line: Option<u32>,
    /// Its request id, if any.
    pub request_id: Option<String>,
    /// The thread that logged it.
    pub thread: Option<String>,
    /// The message text.
    pub message: String,
    /// Key-values, with values as text.
    pub fields: Vec<(String, String)>,
    /// Detail lines (an error's causes, a backtrace).
    pub details: Vec<String>,
}

impl CapturedRecord {
    /// The value of field `key`, if present.
    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// Keeps every record it is given, synchronously. Clones share the same records.
///
/// ```
/// use logcore::{Config, LoggerBuilder, MemorySink, SinkOptions};
/// let memory = MemorySink::new();
/// let mut config = Config::default();
/// config.console.enabled = false;
/// let logger = LoggerBuilder::new(config)
///     .sink("memory", memory.clone(), SinkOptions::default())
///     .build()
///     .unwrap();
/// logger.request_logger(logcore::RequestId::parse("req_1").unwrap()).info("hello");
/// assert_eq!(memory.records()[0].message, "hello");
/// assert_eq!(memory.records()[0].request_id.as_deref(), Some("req_1"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct MemorySink {
    records: Arc<Mutex<Vec<CapturedRecord>>>,
    flushes: Arc<AtomicU64>,
}

impl MemorySink {
    /// An empty sink.
    pub fn new() -> Self {
        MemorySink::default()
    }

    /// Every record so far.
    pub fn records(&self) -> Vec<CapturedRecord> {
        self.records.lock().clone()
    }

    /// Every record so far, removing them.
    pub fn take(&self) -> Vec<CapturedRecord> {
        std::mem::take(&mut *self.records.lock())
    }

    /// How many times the sink was flushed.
    pub fn flushes(&self) -> u64 {
        self.flushes.load(Ordering::Relaxed)
    }
}

impl Sink for MemorySink {
    fn log(&self, event: &Event<'_>, _line: &mut LineBuf) {
        let mut fields = Vec::new();
        event
            .fields
            .visit(&mut |k, v| fields.push((k.to_owned(), v.to_string())));
        let record = CapturedRecord {
            timestamp: event.timestamp,
            level: event.level,
            target: event.target.to_owned(),
            function: event.function.map(str::to_owned),
            file: event.file.map(str::to_owned),
            line: event.line,
            request_id: event.request_id.map(str::to_owned),
            thread: event.thread.map(str::to_owned),
            message: event.message.to_string(),
            fields,
            details: event.details.iter().map(|d| d.to_string()).collect(),
        };
        self.records.lock().push(record);
    }

    fn flush(&self, _timeout: Duration) -> bool {
        self.flushes.fetch_add(1, Ordering::Relaxed);
        true
    }

    fn stats(&self) -> SinkStats {
        let mut stats = SinkStats {
            kind: "memory".to_owned(),
            ..SinkStats::default()
        };
        stats.written = self.records.lock().len() as u64;
        stats
    }
}
