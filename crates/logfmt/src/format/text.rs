//! The two text layouts, pipe and compact, which share fields and detail-line handling.

use std::fmt::Write as _;

use super::{Formatter, Scratch, char_count, rendered};
use crate::escape::{ByteWriter, Style, escape_into, is_clean};
use crate::{Event, Value};

const NO_REQUEST: &str = "no-req";
const NO_FUNCTION: &str = "-";
const SEP: &[u8] = b" | ";

/// Column widths of the pipe format: level, target, function, request id.
const WIDTHS: [usize; 4] = [8, 21, 20, 12];

pub(super) fn write_pipe(f: &Formatter, e: &Event<'_>, out: &mut Vec<u8>, s: &mut Scratch) {
    let line_start = out.len();
    s.time.write_date_time(&f.zone, e.timestamp, f.precision, b' ', out);
    out.extend_from_slice(SEP);
    out.extend_from_slice(f.level_start(e.level));
    pad_after(out, e.level.as_str(), WIDTHS[0]);
    out.extend_from_slice(f.level_end());
    out.extend_from_slice(SEP);
    pad_after(out, e.target, WIDTHS[1]);
    out.extend_from_slice(SEP);
    pad_after(out, e.function.unwrap_or(NO_FUNCTION), WIDTHS[2]);
    out.extend_from_slice(SEP);
    pad_after(out, e.request_id.unwrap_or(NO_REQUEST), WIDTHS[3]);
    out.extend_from_slice(SEP);
    finish_line(f, e, out, s, line_start);
}

pub(super) fn write_compact(f: &Formatter, e: &Event<'_>, out: &mut Vec<u8>, s: &mut Scratch) {
    let line_start = out.len();
    s.time.write_date_time(&f.zone, e.timestamp, f.precision, b' ', out);
    out.extend_from_slice(b" - ");
    out.extend_from_slice(f.level_start(e.level));
    out.extend_from_slice(e.level.as_str().as_bytes());
    out.extend_from_slice(f.level_end());
    out.extend_from_slice(b" - ");
    if let Some(id) = e.request_id {
        out.push(b'[');
        escape_into(id, Style::Text, out);
        out.extend_from_slice(b"] ");
    }
    finish_line(f, e, out, s, line_start);
}

/// Writes the message and fields after the prefix that starts at `line_start`, then each
/// detail on its own line behind a copy of that prefix.
fn finish_line(f: &Formatter, e: &Event<'_>, out: &mut Vec<u8>, s: &mut Scratch, line_start: usize) {
    let prefix_end = out.len();
    f.write_display(e.message, Style::Text, out, &mut s.text);
    e.fields.visit(&mut |key, value| {
        out.push(b' ');
        escape_into(key, Style::Text, out);
        out.push(b'=');
        write_field_value(f, key, value, out, &mut s.text);
    });
    out.push(b'\n');
    for detail in e.details {
        out.extend_from_within(line_start..prefix_end);
        out.extend_from_slice(b"  ");
        f.write_display(detail, Style::Text, out, &mut s.text);
        out.push(b'\n');
    }
}

/// Escapes `text` into `out` and pads it with spaces to `width` characters; longer text is
/// written whole.
fn pad_after(out: &mut Vec<u8>, text: &str, width: usize) {
    let start = out.len();
    escape_into(text, Style::Text, out);
    let written = char_count(&out[start..]);
    out.resize(out.len() + width.saturating_sub(written), b' ');
}

fn write_field_value(f: &Formatter, key: &str, value: Value<'_>, out: &mut Vec<u8>, buf: &mut Vec<u8>) {
    if f.hides_field(key) {
        out.extend_from_slice(b"[REDACTED]");
        return;
    }
    match value {
        Value::Str(text) => write_maybe_quoted(f, text, out),
        Value::Display(d) => {
            buf.clear();
            let _ = write!(ByteWriter(buf), "{d}");
            write_maybe_quoted(f, rendered(buf), out);
        }
        other => {
            let _ = write!(ByteWriter(out), "{other}");
        }
    }
}

/// Writes a text value bare when it is a single clean word, else in quotes with `"` and `\`
/// escaped, so `key=value` pairs can always be split again.
fn write_maybe_quoted(f: &Formatter, text: &str, out: &mut Vec<u8>) {
    let text = f.redacted(text);
    let bare = !text.is_empty()
        && !text.bytes().any(|b| matches!(b, b' ' | b'=' | b'"' | b'\\'))
        && is_clean(&text, Style::Text);
    if bare {
        out.extend_from_slice(text.as_bytes());
    } else {
        out.push(b'"');
        escape_into(&text, Style::Quoted, out);
        out.push(b'"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Format, Level, Scratch, Timestamp, Zone};
    use std::fmt;

    const SEED_TIME: Timestamp = Timestamp::new(1_737_297_015, 0); // 2025-01-19 14:30:15 UTC

    fn line(format: Format, e: &Event<'_>) -> String {
        let mut out = Vec::new();
        Formatter::new(format)
            .with_zone(Zone::utc())
            .format(e, &mut out, &mut Scratch::new());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn longer_values_are_written_whole_never_cut() {
        let e = Event {
            function: Some("a_function_name_longer_than_twenty"),
            request_id: Some("req_a1b2c3d4"),
            ..Event::new(SEED_TIME, Level::Warning, "inference_demo::engine::scheduler", &"m")
        };
        assert_eq!(
            line(Format::Pipe, &e),
            "2025-01-19 14:30:15 | WARNING  | inference_demo::engine::scheduler | a_function_name_longer_than_twenty | req_a1b2c3d4 | m\n"
        );
    }

    #[test]
    fn fields_are_quoted_only_when_needed() {
        let fields = [
            ("model", Value::Str("synthetic-7b")),
            ("prompt", Value::Str("hello world")),
            ("empty", Value::Str("")),
            ("eq", Value::Str("a=b")),
            ("quote", Value::Str("say \"hi\"")),
            ("ms", Value::F64(12.5)),
            ("n", Value::I64(-3)),
            ("ok", Value::Bool(true)),
        ];
        let e = Event {
            fields: &fields,
            ..Event::new(SEED_TIME, Level::Info, "t", &"done")
        };
        assert_eq!(
            line(Format::Compact, &e),
            "2025-01-19 14:30:15 - INFO - done model=synthetic-7b prompt=\"hello world\" empty=\"\" eq=\"a=b\" quote=\"say \\\"hi\\\"\" ms=12.5 n=-3 ok=true\n"
        );
    }

    #[test]
    fn secrets_in_messages_and_fields_are_redacted() {
        let token = "abcdEFGH1234ijkl";
        let fields = [
            ("api_key", Value::Str("plain-value")),
            ("header", Value::Str("Bearer abcdEFGH1234ijkl")),
            ("max_tokens", Value::U64(512)),
        ];
        let text = line(
            Format::Compact,
            &Event {
                fields: &fields,
                ..Event::new(SEED_TIME, Level::Info, "t", &format_args!("auth: Bearer {token}"))
            },
        );
        assert!(!text.contains(token), "{text}");
        assert!(!text.contains("plain-value"), "{text}");
        assert!(text.contains("api_key=[REDACTED]"), "{text}");
        assert!(text.contains("max_tokens=512"), "{text}");
    }

    #[test]
    fn details_repeat_the_full_prefix_on_each_line() {
        let causes: [&dyn fmt::Display; 2] = [&"caused by: connection reset", &"caused by: peer\nclosed"];
        let e = Event {
            function: Some("generate"),
            request_id: Some("req_0badcafe"),
            details: &causes,
            ..Event::new(SEED_TIME, Level::Error, "app.svc", &"generation failed")
        };
        let text = line(Format::Pipe, &e);
        let lines: Vec<&str> = text.lines().collect();
        let prefix = "2025-01-19 14:30:15 | ERROR    | app.svc               | generate             | req_0badcafe | ";
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(lines[0], format!("{prefix}generation failed"));
        assert_eq!(lines[1], format!("{prefix}  caused by: connection reset"));
        assert_eq!(lines[2], format!("{prefix}  caused by: peer\\nclosed"));
    }

    #[test]
    fn colour_wraps_only_the_level() {
        let e = Event::new(SEED_TIME, Level::Info, "t", &"m");
        let mut out = Vec::new();
        Formatter::new(Format::Pipe)
            .with_zone(Zone::utc())
            .with_color(true)
            .format(&e, &mut out, &mut Scratch::new());
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("| \x1b[32mINFO    \x1b[0m | "), "{text:?}");
        assert_eq!(text.matches('\x1b').count(), 2, "{text:?}");
    }

    #[test]
    fn injected_escapes_cannot_recolour_or_forge() {
        let forged = "ok\n2025-01-19 14:30:15 | CRITICAL | app | x | no-req | fake\x1b[31m";
        for format in [Format::Pipe, Format::Compact] {
            let text = line(
                format,
                &Event {
                    request_id: Some("id\x1b[2J"),
                    ..Event::new(SEED_TIME, Level::Info, "tgt\r", &forged)
                },
            );
            assert_eq!(text.matches('\n').count(), 1, "{text:?}");
            assert!(!text.contains('\x1b') && !text.contains('\r'), "{text:?}");
        }
    }
}
