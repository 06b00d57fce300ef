//! Encoders: one record to the bytes a collector expects, and a batch of them to a request
//! body. Every function here is pure: no clock, no network, no shared state.

pub(crate) mod http;
pub(crate) mod syslog;

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use logfmt::{Event, TimeCache, Value, escape_json, is_sensitive_key, redact};

/// Reusable per-thread buffers an encoder writes with. Keep one per thread.
#[derive(Debug, Default)]
pub struct Scratch {
    pub(crate) time: TimeCache,
    pub(crate) text: Vec<u8>,
    pub(crate) nested: Vec<u8>,
    /// logfmt's own buffers, for the formats that embed logfmt's JSON line.
    pub(crate) fmt: logfmt::Scratch,
}

impl Scratch {
    /// Empty buffers.
    pub fn new() -> Self {
        Scratch::default()
    }
}

/// Who sends the records: written into every record or batch so that a central store can tell
/// many servers apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The service name (`service.name` in OTLP, a Loki label). Default `inference-server`.
    pub service: String,
    /// The host name. Default: this machine's, from `gethostname`.
    pub host: String,
}

impl Default for Source {
    fn default() -> Self {
        Source {
            service: DEFAULT_SERVICE.to_owned(),
            host: local_hostname(),
        }
    }
}

/// The service name used when none is configured.
pub const DEFAULT_SERVICE: &str = "inference-server";

/// This machine's host name (`localhost` if it cannot be read).
pub fn local_hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most that many bytes.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return "localhost".to_owned();
    }
    let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    match std::str::from_utf8(&buf[..len]) {
        Ok(name) if !name.is_empty() => name.to_owned(),
        _ => "localhost".to_owned(),
    }
}

/// Collects `Display` output as bytes.
pub(crate) struct ByteWriter<'a>(pub(crate) &'a mut Vec<u8>);

impl fmt::Write for ByteWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// `value`'s `Display` output, rendered into `buf` (cleared first).
pub(crate) fn render<'b>(value: &dyn fmt::Display, buf: &'b mut Vec<u8>) -> &'b str {
    buf.clear();
    // A failing `Display` keeps what it wrote.
    let _ = write!(ByteWriter(buf), "{value}");
    // `ByteWriter` only ever appends whole `&str`s, so the text is valid UTF-8; the check is
    // cheap next to the formatting itself and keeps this crate free of `unsafe` for text.
    std::str::from_utf8(buf).unwrap_or_default()
}

/// `text` with secrets replaced when `on`.
pub(crate) fn redacted(text: &str, on: bool) -> Cow<'_, str> {
    if on { redact(text) } else { Cow::Borrowed(text) }
}

/// Appends `"text"` as a JSON string.
pub(crate) fn json_str(text: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    escape_json(text, out);
    out.push(b'"');
}

/// Appends a record's message (redacted when `redact`) as a JSON string.
pub(crate) fn json_message(event: &Event<'_>, redact: bool, out: &mut Vec<u8>, buf: &mut Vec<u8>) {
    let text = render(event.message, buf);
    json_str(&redacted(text, redact), out);
}

/// Appends a field's value as JSON: numbers and booleans keep their type, a field with a secret's
/// name is `"[REDACTED]"`.
pub(crate) fn json_value(key: &str, value: Value<'_>, redact: bool, out: &mut Vec<u8>, buf: &mut Vec<u8>) {
    if redact && is_sensitive_key(key) {
        out.extend_from_slice(b"\"[REDACTED]\"");
        return;
    }
    match value {
        Value::Str(text) => json_str(&redacted(text, redact), out),
        Value::Display(d) => {
            let text = render(d, buf);
            json_str(&redacted(text, redact), out);
        }
        Value::F64(v) if !v.is_finite() => {
            let _ = write!(ByteWriter(out), "\"{v}\"");
        }
        Value::F64(_) | Value::I64(_) | Value::U64(_) => {
            let _ = write!(ByteWriter(out), "{value}");
        }
        Value::Bool(v) => out.extend_from_slice(if v { b"true" } else { b"false" }),
    }
}

/// Appends a record's key-values as a JSON object.
pub(crate) fn json_fields(event: &Event<'_>, redact: bool, out: &mut Vec<u8>, buf: &mut Vec<u8>) {
    out.push(b'{');
    let mut first = true;
    event.fields.visit(&mut |key, value| {
        if !std::mem::take(&mut first) {
            out.push(b',');
        }
        json_str(key, out);
        out.push(b':');
        json_value(key, value, redact, out, buf);
    });
    out.push(b'}');
}

/// Appends a record's detail lines (an error's causes, a backtrace) joined by `\n`, as a JSON
/// string.
pub(crate) fn json_details(event: &Event<'_>, redact: bool, out: &mut Vec<u8>, buf: &mut Vec<u8>) {
    out.push(b'"');
    for (i, detail) in event.details.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b"\\n");
        }
        let text = render(detail, buf);
        escape_json(&redacted(text, redact), out);
    }
    out.push(b'"');
}

/// Appends a JSON number.
pub(crate) fn json_number(n: impl fmt::Display, out: &mut Vec<u8>) {
    let _ = write!(ByteWriter(out), "{n}");
}

/// The longest prefix of `bytes` of at most `max` bytes that ends on a UTF-8 character
/// boundary.
pub(crate) fn char_boundary_at_most(bytes: &[u8], max: usize) -> usize {
    if bytes.len() <= max {
        return bytes.len();
    }
    let mut cut = max;
    // Continuation bytes are 0b10xx_xxxx; back up to the start of the character.
    while cut > 0 && (bytes[cut] & 0xc0) == 0x80 {
        cut -= 1;
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_never_split_a_character() {
        let text = "ab한국어😀";
        for max in 0..=text.len() + 2 {
            let cut = char_boundary_at_most(text.as_bytes(), max);
            assert!(cut <= max);
            assert!(text.is_char_boundary(cut), "{max} -> {cut}");
            assert!(max >= text.len() || max - cut < 4);
        }
    }

    #[test]
    fn hostname_is_not_empty() {
        assert!(!local_hostname().is_empty());
    }
}
