//! JSON lines: one object per record, with stable field names.
//!
//! ```text
//! {"timestamp":"2025-01-19T14:30:15.123456Z","level":"INFO","target":"app.main",
//!  "function":"create_app","file":"src/main.rs","line":42,"request_id":null,"thread":"main",
//!  "message":"VLLM Server starting up","fields":{"port":8000}}
//! ```
//! (one line in the output). `function`, `file`, `line`, `request_id` and `thread` are `null`
//! when unknown; `fields` is always an object; `details` (an array of strings) is present only
//! when the record has detail lines.

use std::fmt::Write as _;

use super::{Formatter, Scratch};
use crate::escape::{ByteWriter, Style};
use crate::{Event, Value};

pub(super) fn write_json(f: &Formatter, e: &Event<'_>, out: &mut Vec<u8>, s: &mut Scratch) {
    out.extend_from_slice(b"{\"timestamp\":\"");
    s.time.write_rfc3339(&f.zone, e.timestamp, out);
    out.extend_from_slice(b"\",\"level\":\"");
    out.extend_from_slice(e.level.as_str().as_bytes());
    out.extend_from_slice(b"\",\"target\":");
    write_str(f, e.target, out);
    out.extend_from_slice(b",\"function\":");
    write_opt_str(f, e.function, out);
    out.extend_from_slice(b",\"file\":");
    write_opt_str(f, e.file, out);
    out.extend_from_slice(b",\"line\":");
    match e.line {
        Some(line) => {
            let _ = write!(ByteWriter(out), "{line}");
        }
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"request_id\":");
    write_opt_str(f, e.request_id, out);
    out.extend_from_slice(b",\"thread\":");
    write_opt_str(f, e.thread, out);
    out.extend_from_slice(b",\"message\":\"");
    f.write_display(e.message, Style::Json, out, &mut s.text);
    out.extend_from_slice(b"\",\"fields\":{");
    let mut first = true;
    e.fields.visit(&mut |key, value| {
        if !std::mem::take(&mut first) {
            out.push(b',');
        }
        write_str(f, key, out);
        out.push(b':');
        write_value(f, key, value, out, &mut s.text);
    });
    out.push(b'}');
    if !e.details.is_empty() {
        out.extend_from_slice(b",\"details\":[");
        for (i, detail) in e.details.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.push(b'"');
            f.write_display(detail, Style::Json, out, &mut s.text);
            out.push(b'"');
        }
        out.push(b']');
    }
    out.extend_from_slice(b"}\n");
}

fn write_str(f: &Formatter, text: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    f.write_user_text(text, Style::Json, out);
    out.push(b'"');
}

fn write_opt_str(f: &Formatter, text: Option<&str>, out: &mut Vec<u8>) {
    match text {
        Some(text) => write_str(f, text, out),
        None => out.extend_from_slice(b"null"),
    }
}

fn write_value(f: &Formatter, key: &str, value: Value<'_>, out: &mut Vec<u8>, buf: &mut Vec<u8>) {
    if f.hides_field(key) {
        out.extend_from_slice(b"\"[REDACTED]\"");
        return;
    }
    match value {
        Value::Str(text) => write_str(f, text, out),
        Value::Display(d) => {
            out.push(b'"');
            f.write_display(d, Style::Json, out, buf);
            out.push(b'"');
        }
        Value::F64(v) if !v.is_finite() => {
            let _ = write!(ByteWriter(out), "\"{v}\"");
        }
        // `Display` for a finite f64 never uses an exponent, so every number's text is a valid
        // JSON number.
        Value::F64(_) | Value::I64(_) | Value::U64(_) => {
            let _ = write!(ByteWriter(out), "{value}");
        }
        Value::Bool(v) => out.extend_from_slice(if v { b"true" } else { b"false" }),
    }
}

#[cfg(test)]
mod tests {
    use crate::{Event, Format, Formatter, Level, Scratch, Timestamp, Value, Zone};
    use std::fmt;

    fn json(e: &Event<'_>) -> serde_json::Value {
        let mut out = Vec::new();
        Formatter::new(Format::Json)
            .with_zone(Zone::posix("KST-9").unwrap())
            .format(e, &mut out, &mut Scratch::new());
        assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1);
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn every_documented_field_is_present_with_its_type() {
        let fields = [
            ("tokens", Value::U64(145)),
            ("tps", Value::F64(78.4)),
            ("delta", Value::I64(-2)),
            ("stream", Value::Bool(false)),
            ("mode", Value::Str("RGB")),
            ("nan", Value::F64(f64::NAN)),
        ];
        let message = format!("slow {}", "step");
        let e = Event {
            function: Some("generate_text"),
            file: Some("src/engine.rs"),
            line: Some(42),
            request_id: Some("req_a1b2c3d4"),
            thread: Some("tokio-runtime-worker"),
            fields: &fields,
            ..Event::new(
                Timestamp::new(1_737_297_015, 123_456_000),
                Level::Warning,
                "app.engine",
                &message,
            )
        };
        let v = json(&e);
        assert_eq!(v["timestamp"], "2025-01-19T23:30:15.123456+09:00");
        assert_eq!(v["level"], "WARNING");
        assert_eq!(v["target"], "app.engine");
        assert_eq!(v["function"], "generate_text");
        assert_eq!(v["file"], "src/engine.rs");
        assert_eq!(v["line"], 42);
        assert_eq!(v["request_id"], "req_a1b2c3d4");
        assert_eq!(v["thread"], "tokio-runtime-worker");
        assert_eq!(v["message"], "slow step");
        assert_eq!(v["fields"]["tokens"], 145);
        assert_eq!(v["fields"]["tps"], 78.4);
        assert_eq!(v["fields"]["delta"], -2);
        assert_eq!(v["fields"]["stream"], false);
        assert_eq!(v["fields"]["mode"], "RGB");
        assert_eq!(v["fields"]["nan"], "NaN");
        assert!(v.get("details").is_none());
    }

    #[test]
    fn unknown_parts_are_null_and_details_an_array() {
        let details: [&dyn fmt::Display; 1] = [&"caused by: disk full"];
        let e = Event {
            details: &details,
            ..Event::new(Timestamp::new(0, 0), Level::Critical, "t", &"m")
        };
        let v = json(&e);
        for key in ["function", "file", "line", "request_id", "thread"] {
            assert!(v[key].is_null(), "{key}");
        }
        assert_eq!(v["fields"], serde_json::json!({}));
        assert_eq!(v["details"], serde_json::json!(["caused by: disk full"]));
    }

    #[test]
    fn sensitive_fields_are_redacted() {
        let fields = [("password", Value::Str("hunter2")), ("max_tokens", Value::U64(512))];
        let e = Event {
            fields: &fields,
            ..Event::new(Timestamp::new(0, 0), Level::Info, "t", &"login")
        };
        let v = json(&e);
        assert_eq!(v["fields"]["password"], "[REDACTED]");
        assert_eq!(v["fields"]["max_tokens"], 512);
    }
}
