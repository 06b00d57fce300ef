//! Shipping log records from `logcore` to central collectors: syslog (RFC 5424 and RFC 3164
//! over UDP, TCP with octet counting, and Unix datagram sockets) and HTTP batches (JSON lines,
//! ClickHouse `JSONEachRow`, Grafana Loki, Elasticsearch `_bulk`, OpenTelemetry OTLP/HTTP JSON).
//!
//! - A log call encodes the record on the caller's thread and appends it to a bounded buffer
//!   (by bytes); it never waits for the network.
//! - A worker thread sends batches closed by count, bytes or age, and retries failed ones with
//!   exponential backoff and jitter, honouring `Retry-After`. A 4xx other than 408/425/429 is
//!   not retried: the records are counted as rejected and the collector's reason goes to stderr.
//! - While a collector is down the buffer fills; when it is full the oldest records are dropped
//!   and counted exactly. When delivery resumes, one line on stderr and one record sent to the
//!   collector say how many were dropped. Shutdown keeps trying for a deadline and reports what
//!   was left.
//! - The sink's own troubles go to stderr (rate-limited) and its stats, never through the
//!   logger it belongs to; records of its HTTP stack's targets (`reqwest`, `hyper`, `rustls`)
//!   are never shipped.
//! - Secrets in records are redacted as in every other format; credentials (passwords, tokens,
//!   header values) are never printed, not even by `Debug`.
//!
//! ```
//! use logsink_remote::{HttpFormat, HttpSink, SyslogSink};
//! let syslog = SyslogSink::builder("udp://127.0.0.1:514".parse()?).app_name("vllm").build()?;
//! let loki = HttpSink::builder("http://127.0.0.1:3100", HttpFormat::Loki { labels: vec![] }).build()?;
//! let mut config = logcore::Config::default();
//! config.console.enabled = false;
//! let logger = logcore::LoggerBuilder::new(config)
//!     .sink("syslog", syslog, logcore::SinkOptions::default())
//!     .sink("loki", loki, logcore::SinkOptions::default().level(logcore::LevelFilter::INFO))
//!     .build()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

mod buffer;
mod config;
mod encode;
mod entries;
mod http;
mod sink;
mod syslog;

pub use buffer::Buffering;
pub use config::{ConfiguredRemote, RemoteError, SECTION, add_to, sinks_from_config};
pub use encode::http::{Answer, HttpEncoder, HttpFormat, clickhouse_table_ddl, otlp_severity, read_answer};
pub use encode::syslog::{DEFAULT_SD_ID, Facility, SyslogEncoder, SyslogFormat, severity};
pub use encode::{DEFAULT_SERVICE, Scratch, Source, local_hostname};
pub use entries::Entries;
pub use http::{Auth, HttpSink, HttpSinkBuilder, HttpSinkError, Secret};
pub use sink::RemoteSink;
pub use syslog::{SyslogSink, SyslogSinkBuilder, SyslogTransport};
