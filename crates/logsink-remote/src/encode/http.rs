//! HTTP batch bodies: JSON lines, ClickHouse `JSONEachRow`, Grafana Loki push, Elasticsearch
//! `_bulk`, OpenTelemetry OTLP/HTTP JSON; and reading a collector's answer.

use std::fmt::Write as _;
use std::str::FromStr;
use std::time::Duration;

use logfmt::{Event, Format, Formatter, Level, Value, Zone, is_sensitive_key};

use super::{
    ByteWriter, Scratch, Source, json_details, json_fields, json_message, json_number, json_str, redacted, render,
};
use crate::Entries;

/// The body format of an HTTP sink, with what it needs to know of the collector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpFormat {
    /// One JSON object per line (`application/x-ndjson`): Vector, Fluent Bit, Logstash.
    JsonLines,
    /// ClickHouse `INSERT INTO <table> FORMAT JSONEachRow` over its HTTP interface.
    ClickHouse {
        /// The table (`db.table` or `table`).
        table: String,
    },
    /// Grafana Loki's push API (`/loki/api/v1/push`), JSON.
    Loki {
        /// Labels besides `service`, `host` and `level` (keep them few and low-cardinality).
        labels: Vec<(String, String)>,
    },
    /// Elasticsearch or OpenSearch `_bulk` with `create` actions.
    Elasticsearch {
        /// The index or data stream.
        index: String,
    },
    /// OpenTelemetry logs over OTLP/HTTP with the JSON encoding (`/v1/logs`).
    Otlp,
}

impl HttpFormat {
    /// The name used in configuration: `jsonlines`, `clickhouse`, `loki`, `elasticsearch`,
    /// `otlp`.
    pub fn name(&self) -> &'static str {
        match self {
            HttpFormat::JsonLines => "jsonlines",
            HttpFormat::ClickHouse { .. } => "clickhouse",
            HttpFormat::Loki { .. } => "loki",
            HttpFormat::Elasticsearch { .. } => "elasticsearch",
            HttpFormat::Otlp => "otlp",
        }
    }
}

/// The kinds of HTTP format, by configuration name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HttpKind {
    JsonLines,
    ClickHouse,
    Loki,
    Elasticsearch,
    Otlp,
}

impl FromStr for HttpKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "jsonlines" | "json" | "ndjson" => Ok(HttpKind::JsonLines),
            "clickhouse" => Ok(HttpKind::ClickHouse),
            "loki" => Ok(HttpKind::Loki),
            "elasticsearch" | "opensearch" => Ok(HttpKind::Elasticsearch),
            "otlp" => Ok(HttpKind::Otlp),
            _ => Err("one of jsonlines, clickhouse, loki, elasticsearch, otlp".to_owned()),
        }
    }
}

/// The OpenTelemetry severity number of a level: TRACE 1, DEBUG 5, INFO 9, WARNING 13,
/// ERROR 17, CRITICAL 21 (FATAL).
pub fn otlp_severity(level: Level) -> u8 {
    match level {
        Level::Trace => 1,
        Level::Debug => 5,
        Level::Info => 9,
        Level::Warning => 13,
        Level::Error => 17,
        Level::Critical => 21,
    }
}

/// The ClickHouse table the `clickhouse` format writes, for a table called `table`; a
/// `MergeTree` ordered by service and time, partitioned by day. ClickHouse 18.16 (Debian's)
/// has no `DateTime64`, so the time is whole seconds plus a separate nanoseconds column.
///
/// ```
/// let ddl = logsink_remote::clickhouse_table_ddl("logs");
/// assert!(ddl.starts_with("CREATE TABLE IF NOT EXISTS logs ("));
/// assert!(ddl.contains("timestamp_ns UInt32"));
/// ```
pub fn clickhouse_table_ddl(table: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {table} (\n\
         \x20   timestamp DateTime,\n\
         \x20   timestamp_ns UInt32,\n\
         \x20   level String,\n\
         \x20   target String,\n\
         \x20   function String,\n\
         \x20   file String,\n\
         \x20   line UInt32,\n\
         \x20   request_id String,\n\
         \x20   thread String,\n\
         \x20   message String,\n\
         \x20   fields String,\n\
         \x20   details String,\n\
         \x20   service String,\n\
         \x20   host String\n\
         ) ENGINE = MergeTree()\n\
         PARTITION BY toYYYYMMDD(timestamp)\n\
         ORDER BY (service, timestamp, timestamp_ns)"
    )
}

/// Encodes records for an HTTP collector: each record to one entry on the caller's thread, a
/// batch of entries to one request body on the sink's worker.
///
/// ```
/// use logfmt::{Event, Level, Timestamp};
/// use logsink_remote::{Entries, HttpEncoder, HttpFormat, Scratch, Source};
/// let source = Source { service: "vllm".into(), host: "gpu-1".into() };
/// let encoder = HttpEncoder::new(HttpFormat::Otlp, source);
/// let event = Event::new(Timestamp::new(1_737_297_020, 5), Level::Warning, "app", &"slow");
/// let mut entries = Entries::default();
/// let mut entry = Vec::new();
/// let key = encoder.encode(&event, &mut entry, &mut Scratch::new());
/// entries.push(key, &entry);
/// let mut body = Vec::new();
/// encoder.body(&entries, &mut body);
/// let body = String::from_utf8(body).unwrap();
/// assert!(body.contains(r#""timeUnixNano":"1737297020000000005""#));
/// assert!(body.contains(r#""severityNumber":13"#));
/// ```
#[derive(Clone, Debug)]
pub struct HttpEncoder {
    format: HttpFormat,
    source: Source,
    redact: bool,
    json: Formatter,
}

impl HttpEncoder {
    /// An encoder for `format`, naming `source` in every record or batch.
    pub fn new(format: HttpFormat, source: Source) -> Self {
        HttpEncoder {
            format,
            source,
            redact: true,
            json: Formatter::new(Format::Json).with_zone(Zone::utc()),
        }
    }

    /// Turns redaction of secrets on (the default) or off.
    #[must_use]
    pub fn redaction(mut self, on: bool) -> Self {
        self.redact = on;
        self.json = self.json.with_redaction(on);
        self
    }

    /// The format.
    pub fn format(&self) -> &HttpFormat {
        &self.format
    }

    /// The sender named in the records.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// The request's `Content-Type`.
    pub fn content_type(&self) -> &'static str {
        match self.format {
            HttpFormat::JsonLines | HttpFormat::Elasticsearch { .. } => "application/x-ndjson",
            HttpFormat::ClickHouse { .. } => "text/plain; charset=utf-8",
            HttpFormat::Loki { .. } | HttpFormat::Otlp => "application/json",
        }
    }

    /// The path and query to post to, below the configured base URL.
    pub fn path(&self) -> String {
        match &self.format {
            HttpFormat::JsonLines => String::new(),
            HttpFormat::ClickHouse { table } => {
                let query = format!("INSERT INTO {table} FORMAT JSONEachRow");
                format!("/?input_format_skip_unknown_fields=1&query={}", percent_encode(&query))
            }
            HttpFormat::Loki { .. } => "/loki/api/v1/push".to_owned(),
            HttpFormat::Elasticsearch { index } => format!("/{}/_bulk", percent_encode(index)),
            HttpFormat::Otlp => "/v1/logs".to_owned(),
        }
    }

    /// Appends the entry for `event` and returns its key (the Loki stream: the level's index;
    /// 0 for the other formats).
    pub fn encode(&self, event: &Event<'_>, out: &mut Vec<u8>, scratch: &mut Scratch) -> u32 {
        match &self.format {
            HttpFormat::JsonLines => {
                // logfmt's object with `service` and `host` put first.
                out.extend_from_slice(b"{\"service\":");
                json_str(&self.source.service, out);
                out.extend_from_slice(b",\"host\":");
                json_str(&self.source.host, out);
                out.push(b',');
                out.extend_from_slice(&self.json_line(event, scratch)[1..]);
                out.push(b'\n');
                0
            }
            HttpFormat::ClickHouse { .. } => {
                self.clickhouse_row(event, out, scratch);
                0
            }
            HttpFormat::Loki { .. } => {
                self.loki_value(event, out, scratch);
                event.level.index() as u32
            }
            HttpFormat::Elasticsearch { .. } => {
                out.extend_from_slice(b"{\"create\":{}}\n");
                self.es_document(event, out, scratch);
                0
            }
            HttpFormat::Otlp => {
                self.otlp_record(event, out, scratch);
                0
            }
        }
    }

    /// Appends the request body for a batch of entries this encoder made.
    pub fn body(&self, entries: &Entries, out: &mut Vec<u8>) {
        match &self.format {
            HttpFormat::JsonLines | HttpFormat::ClickHouse { .. } | HttpFormat::Elasticsearch { .. } => {
                for (_, entry) in entries.iter() {
                    out.extend_from_slice(entry);
                }
            }
            HttpFormat::Loki { labels } => {
                out.extend_from_slice(b"{\"streams\":[");
                let mut first_stream = true;
                for level in Level::ALL {
                    let key = level.index() as u32;
                    let mut values = entries.iter().filter(|(k, _)| *k == key).peekable();
                    if values.peek().is_none() {
                        continue;
                    }
                    if !std::mem::take(&mut first_stream) {
                        out.push(b',');
                    }
                    out.extend_from_slice(b"{\"stream\":{\"service\":");
                    json_str(&self.source.service, out);
                    out.extend_from_slice(b",\"host\":");
                    json_str(&self.source.host, out);
                    out.extend_from_slice(b",\"level\":");
                    json_str(level.as_lower_str(), out);
                    for (name, value) in labels {
                        out.push(b',');
                        json_str(name, out);
                        out.push(b':');
                        json_str(value, out);
                    }
                    out.extend_from_slice(b"},\"values\":[");
                    for (i, (_, entry)) in values.enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        out.extend_from_slice(entry);
                    }
                    out.extend_from_slice(b"]}");
                }
                out.extend_from_slice(b"]}");
            }
            HttpFormat::Otlp => {
                out.extend_from_slice(b"{\"resourceLogs\":[{\"resource\":{\"attributes\":[");
                otlp_string_attribute("service.name", &self.source.service, out);
                out.push(b',');
                otlp_string_attribute("host.name", &self.source.host, out);
                out.extend_from_slice(b"]},\"scopeLogs\":[{\"scope\":{\"name\":\"logsink-remote\",\"version\":");
                json_str(env!("CARGO_PKG_VERSION"), out);
                out.extend_from_slice(b"},\"logRecords\":[");
                for (i, (_, entry)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(entry);
                }
                out.extend_from_slice(b"]}]}]}");
            }
        }
    }

    /// logfmt's JSON line, without its newline, into `scratch.nested`.
    fn json_line<'s>(&self, event: &Event<'_>, scratch: &'s mut Scratch) -> &'s [u8] {
        scratch.nested.clear();
        self.json.format(event, &mut scratch.nested, &mut scratch.fmt);
        if scratch.nested.last() == Some(&b'\n') {
            scratch.nested.pop();
        }
        &scratch.nested
    }

    fn clickhouse_row(&self, event: &Event<'_>, out: &mut Vec<u8>, scratch: &mut Scratch) {
        let r = self.redact;
        out.extend_from_slice(b"{\"timestamp\":");
        json_number(event.timestamp.unix_seconds().max(0), out);
        out.extend_from_slice(b",\"timestamp_ns\":");
        json_number(event.timestamp.subsec_nanos(), out);
        out.extend_from_slice(b",\"level\":");
        json_str(event.level.as_str(), out);
        out.extend_from_slice(b",\"target\":");
        json_str(event.target, out);
        out.extend_from_slice(b",\"function\":");
        json_str(event.function.unwrap_or(""), out);
        out.extend_from_slice(b",\"file\":");
        json_str(event.file.unwrap_or(""), out);
        out.extend_from_slice(b",\"line\":");
        json_number(event.line.unwrap_or(0), out);
        out.extend_from_slice(b",\"request_id\":");
        json_str(&redacted(event.request_id.unwrap_or(""), r), out);
        out.extend_from_slice(b",\"thread\":");
        json_str(event.thread.unwrap_or(""), out);
        out.extend_from_slice(b",\"message\":");
        json_message(event, r, out, &mut scratch.text);
        // Key-values as a JSON object inside a string column (visitParamExtract* reads it).
        scratch.nested.clear();
        json_fields(event, r, &mut scratch.nested, &mut scratch.text);
        out.extend_from_slice(b",\"fields\":");
        json_str(std::str::from_utf8(&scratch.nested).unwrap_or("{}"), out);
        out.extend_from_slice(b",\"details\":");
        json_details(event, r, out, &mut scratch.text);
        out.extend_from_slice(b",\"service\":");
        json_str(&self.source.service, out);
        out.extend_from_slice(b",\"host\":");
        json_str(&self.source.host, out);
        out.extend_from_slice(b"}\n");
    }

    fn loki_value(&self, event: &Event<'_>, out: &mut Vec<u8>, scratch: &mut Scratch) {
        out.extend_from_slice(b"[\"");
        json_number(event.timestamp.unix_nanos().max(0), out);
        out.extend_from_slice(b"\",");
        // The line is the record's JSON line (Loki's `| json` reads it back).
        let line = self.json_line(event, scratch);
        json_str(std::str::from_utf8(line).unwrap_or(""), out);
        // The request id is structured metadata: searchable, but not a label (one stream per
        // request would overwhelm Loki's index).
        if let Some(id) = event.request_id {
            out.extend_from_slice(b",{\"request_id\":");
            json_str(&redacted(id, self.redact), out);
            out.push(b'}');
        }
        out.push(b']');
    }

    fn es_document(&self, event: &Event<'_>, out: &mut Vec<u8>, scratch: &mut Scratch) {
        let r = self.redact;
        out.extend_from_slice(b"{\"@timestamp\":\"");
        scratch.time.write_rfc3339(&Zone::utc(), event.timestamp, out);
        out.extend_from_slice(b"\",\"log.level\":");
        json_str(event.level.as_str(), out);
        out.extend_from_slice(b",\"log.logger\":");
        json_str(event.target, out);
        if let Some(function) = event.function {
            out.extend_from_slice(b",\"log.origin.function\":");
            json_str(function, out);
        }
        if let Some(file) = event.file {
            out.extend_from_slice(b",\"log.origin.file.name\":");
            json_str(file, out);
        }
        if let Some(line) = event.line {
            out.extend_from_slice(b",\"log.origin.file.line\":");
            json_number(line, out);
        }
        if let Some(thread) = event.thread {
            out.extend_from_slice(b",\"process.thread.name\":");
            json_str(thread, out);
        }
        if let Some(id) = event.request_id {
            out.extend_from_slice(b",\"http.request.id\":");
            json_str(&redacted(id, r), out);
        }
        out.extend_from_slice(b",\"message\":");
        json_message(event, r, out, &mut scratch.text);
        out.extend_from_slice(b",\"fields\":");
        json_fields(event, r, out, &mut scratch.text);
        if !event.details.is_empty() {
            out.extend_from_slice(b",\"error.stack_trace\":");
            json_details(event, r, out, &mut scratch.text);
        }
        out.extend_from_slice(b",\"service.name\":");
        json_str(&self.source.service, out);
        out.extend_from_slice(b",\"host.name\":");
        json_str(&self.source.host, out);
        out.extend_from_slice(b"}\n");
    }

    fn otlp_record(&self, event: &Event<'_>, out: &mut Vec<u8>, scratch: &mut Scratch) {
        let r = self.redact;
        out.extend_from_slice(b"{\"timeUnixNano\":\"");
        json_number(event.timestamp.unix_nanos().max(0), out);
        out.extend_from_slice(b"\",\"severityNumber\":");
        json_number(otlp_severity(event.level), out);
        out.extend_from_slice(b",\"severityText\":");
        json_str(event.level.as_str(), out);
        out.extend_from_slice(b",\"body\":{\"stringValue\":");
        json_message(event, r, out, &mut scratch.text);
        out.extend_from_slice(b"},\"attributes\":[");
        otlp_string_attribute("code.namespace", event.target, out);
        if let Some(function) = event.function {
            out.push(b',');
            otlp_string_attribute("code.function", function, out);
        }
        if let Some(file) = event.file {
            out.push(b',');
            otlp_string_attribute("code.filepath", file, out);
        }
        if let Some(line) = event.line {
            out.extend_from_slice(b",{\"key\":\"code.lineno\",\"value\":{\"intValue\":\"");
            json_number(line, out);
            out.extend_from_slice(b"\"}}");
        }
        if let Some(thread) = event.thread {
            out.push(b',');
            otlp_string_attribute("thread.name", thread, out);
        }
        if let Some(id) = event.request_id {
            out.push(b',');
            otlp_string_attribute("request.id", &redacted(id, r), out);
        }
        let text = &mut scratch.text;
        event.fields.visit(&mut |key, value| {
            out.extend_from_slice(b",{\"key\":");
            json_str(key, out);
            out.extend_from_slice(b",\"value\":");
            otlp_value(key, value, r, out, text);
            out.push(b'}');
        });
        if !event.details.is_empty() {
            out.extend_from_slice(b",{\"key\":\"exception.stacktrace\",\"value\":{\"stringValue\":");
            json_details(event, r, out, &mut scratch.text);
            out.extend_from_slice(b"}}");
        }
        out.extend_from_slice(b"]}");
    }
}

fn otlp_string_attribute(key: &str, value: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"key\":");
    json_str(key, out);
    out.extend_from_slice(b",\"value\":{\"stringValue\":");
    json_str(value, out);
    out.extend_from_slice(b"}}");
}

/// An OTLP `AnyValue` in the protobuf JSON mapping: 64-bit integers are strings.
fn otlp_value(key: &str, value: Value<'_>, redact: bool, out: &mut Vec<u8>, buf: &mut Vec<u8>) {
    if redact && is_sensitive_key(key) {
        out.extend_from_slice(b"{\"stringValue\":\"[REDACTED]\"}");
        return;
    }
    match value {
        Value::Str(text) => {
            out.extend_from_slice(b"{\"stringValue\":");
            json_str(&redacted(text, redact), out);
        }
        Value::Display(d) => {
            out.extend_from_slice(b"{\"stringValue\":");
            let text = render(d, buf);
            json_str(&redacted(text, redact), out);
        }
        Value::I64(v) => {
            let _ = write!(ByteWriter(out), "{{\"intValue\":\"{v}\"");
        }
        Value::U64(v) => match i64::try_from(v) {
            Ok(v) => {
                let _ = write!(ByteWriter(out), "{{\"intValue\":\"{v}\"");
            }
            Err(_) => {
                let _ = write!(ByteWriter(out), "{{\"stringValue\":\"{v}\"");
            }
        },
        Value::F64(v) if v.is_nan() => out.extend_from_slice(b"{\"doubleValue\":\"NaN\""),
        Value::F64(v) if v.is_infinite() => {
            let text: &[u8] = if v > 0.0 {
                b"{\"doubleValue\":\"Infinity\""
            } else {
                b"{\"doubleValue\":\"-Infinity\""
            };
            out.extend_from_slice(text);
        }
        Value::F64(v) => {
            let _ = write!(ByteWriter(out), "{{\"doubleValue\":{v}");
        }
        Value::Bool(v) => {
            let _ = write!(ByteWriter(out), "{{\"boolValue\":{v}");
        }
    }
    out.push(b'}');
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// What a collector's answer means for the batch that was sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Every entry was taken.
    Delivered,
    /// Try the whole batch again (429, 5xx, a transport error), no sooner than `after` when the
    /// collector said so (`Retry-After`).
    Retry {
        /// Why, for stderr and the stats.
        reason: String,
        /// The collector's `Retry-After`.
        after: Option<Duration>,
    },
    /// The collector refused the batch (another 4xx): retrying cannot help.
    Rejected {
        /// The status and the collector's reason.
        reason: String,
    },
    /// Some entries were taken, some refused for good, some should be sent again (an
    /// Elasticsearch bulk answer with per-item errors).
    Partial {
        /// Indices (in the batch) of entries to send again.
        retry: Vec<usize>,
        /// How many were refused for good.
        rejected: usize,
        /// The first item error.
        reason: String,
    },
}

/// Reads a collector's HTTP answer to a batch of `entries` entries: `status`, the body, and
/// `Retry-After` if present.
///
/// ```
/// use logsink_remote::{Answer, HttpFormat, read_answer};
/// assert_eq!(read_answer(&HttpFormat::Otlp, 200, b"{}", None, 3), Answer::Delivered);
/// assert!(matches!(read_answer(&HttpFormat::Otlp, 503, b"busy", None, 3), Answer::Retry { .. }));
/// assert!(matches!(read_answer(&HttpFormat::Otlp, 400, b"bad", None, 3), Answer::Rejected { .. }));
/// ```
pub fn read_answer(
    format: &HttpFormat,
    status: u16,
    body: &[u8],
    retry_after: Option<Duration>,
    entries: usize,
) -> Answer {
    let reason = || match reason_text(body) {
        text if text.is_empty() => format!("HTTP {status} (no reason given)"),
        text => format!("HTTP {status}: {text}"),
    };
    match status {
        200..=299 => match format {
            HttpFormat::Elasticsearch { .. } => read_bulk_answer(body, entries),
            _ => Answer::Delivered,
        },
        408 | 425 | 429 | 500..=599 => {
            if let HttpFormat::ClickHouse { .. } = format
                && let Some(code) = clickhouse_error_code(body)
                && !clickhouse_code_is_transient(code)
            {
                return Answer::Rejected { reason: reason() };
            }
            Answer::Retry {
                reason: reason(),
                after: retry_after,
            }
        }
        _ => Answer::Rejected { reason: reason() },
    }
}

/// The first 300 characters of a collector's answer, on one line.
pub(crate) fn reason_text(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = logfmt::truncate_chars(text.trim(), 300);
    let mut out = Vec::new();
    logfmt::escape_text(&logfmt::redact(text), &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// `Code: 60` in a ClickHouse error answer.
fn clickhouse_error_code(body: &[u8]) -> Option<u32> {
    let text = std::str::from_utf8(body).ok()?;
    let rest = &text[text.find("Code: ")? + 6..];
    let end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// Whether a ClickHouse error may pass if the batch is sent again. Errors in the table, the
/// query or the rows (an unknown table or column, a type that does not parse, bad credentials)
/// never do; the server being busy, out of memory or shutting down may.
fn clickhouse_code_is_transient(code: u32) -> bool {
    const PERMANENT: &[u32] = &[
        6, 16, 17, 26, 27, 36, 38, 41, 47, 53, 60, 62, 69, 70, 72, 73, 81, 117, 164, 192, 193, 194, 195, 291, 497, 516,
    ];
    !PERMANENT.contains(&code)
}

/// Reads an Elasticsearch `_bulk` answer: `errors` and per-item `status`.
fn read_bulk_answer(body: &[u8], entries: usize) -> Answer {
    let Ok(answer) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Answer::Delivered;
    };
    if answer.get("errors").and_then(serde_json::Value::as_bool) != Some(true) {
        return Answer::Delivered;
    }
    let items = answer.get("items").and_then(serde_json::Value::as_array);
    let mut retry = Vec::new();
    let mut rejected = 0;
    let mut reason = String::new();
    for (i, item) in items.into_iter().flatten().enumerate().take(entries) {
        let Some(result) = item.as_object().and_then(|o| o.values().next()) else {
            continue;
        };
        let status = result.get("status").and_then(serde_json::Value::as_u64).unwrap_or(200);
        if (200..300).contains(&status) {
            continue;
        }
        if reason.is_empty() {
            let error = result.get("error").map_or_else(String::new, |e| e.to_string());
            reason = format!("item {i}: HTTP {status}: {}", reason_text(error.as_bytes()));
        }
        if status == 429 || status >= 500 {
            retry.push(i);
        } else {
            rejected += 1;
        }
    }
    if retry.is_empty() && rejected == 0 {
        return Answer::Delivered;
    }
    Answer::Partial {
        retry,
        rejected,
        reason,
    }
}

#[cfg(test)]
mod tests;
