//! A record as the caller hands it to the sinks that work on the logger's worker: its parts
//! copied into bytes, with the message, `Display` values and details rendered (they borrow the
//! caller's values and cannot wait). The worker replays the bytes as an [`Event`], so the caller
//! pays for one copy of the record, however many such sinks take it, and not for formatting,
//! escaping, redaction or encoding.
//!
//! Layout, integers little-endian, each text a `u32` length and UTF-8 bytes:
//!
//! ```text
//! seconds i64 | nanoseconds u32 | level u8 | present u8 (function, file, line, request id, thread)
//! target | [function] | [file] | [line u32] | [request id] | [thread] | message
//! fields u16, each: key, tag u8, value (text, 8 bytes, or 1 byte for a bool)
//! details u16, each: text
//! ```

use std::fmt::{self, Write as _};

use logfmt::{Event, Fields, Level, Timestamp, Value};

const FUNCTION: u8 = 1;
const FILE: u8 = 2;
const LINE: u8 = 4;
const REQUEST_ID: u8 = 8;
const THREAD: u8 = 16;

const STR: u8 = 0;
const I64: u8 = 1;
const U64: u8 = 2;
const F64: u8 = 3;
const BOOL: u8 = 4;

/// Appends `event` to `out` in the layout above.
pub fn capture(event: &Event<'_>, out: &mut Vec<u8>) {
    out.extend_from_slice(&event.timestamp.unix_seconds().to_le_bytes());
    out.extend_from_slice(&event.timestamp.subsec_nanos().to_le_bytes());
    out.push(event.level as u8);
    let present = [
        (event.function.is_some(), FUNCTION),
        (event.file.is_some(), FILE),
        (event.line.is_some(), LINE),
        (event.request_id.is_some(), REQUEST_ID),
        (event.thread.is_some(), THREAD),
    ]
    .iter()
    .filter(|(some, _)| *some)
    .fold(0, |bits, (_, bit)| bits | bit);
    out.push(present);
    put_str(out, event.target);
    for text in [event.function, event.file].into_iter().flatten() {
        put_str(out, text);
    }
    if let Some(line) = event.line {
        out.extend_from_slice(&line.to_le_bytes());
    }
    for text in [event.request_id, event.thread].into_iter().flatten() {
        put_str(out, text);
    }
    put_display(out, event.message);
    let count_at = out.len();
    out.extend_from_slice(&[0, 0]);
    let mut count = 0u16;
    event.fields.visit(&mut |key, value| {
        if count == u16::MAX {
            return;
        }
        count += 1;
        put_str(out, key);
        match value {
            Value::Str(s) => {
                out.push(STR);
                put_str(out, s);
            }
            Value::Display(d) => {
                out.push(STR);
                put_display(out, d);
            }
            Value::I64(v) => {
                out.push(I64);
                out.extend_from_slice(&v.to_le_bytes());
            }
            Value::U64(v) => {
                out.push(U64);
                out.extend_from_slice(&v.to_le_bytes());
            }
            Value::F64(v) => {
                out.push(F64);
                out.extend_from_slice(&v.to_le_bytes());
            }
            Value::Bool(v) => {
                out.push(BOOL);
                out.push(u8::from(v));
            }
        }
    });
    out[count_at..count_at + 2].copy_from_slice(&count.to_le_bytes());
    let details = event.details.len().min(u16::MAX as usize);
    out.extend_from_slice(&(details as u16).to_le_bytes());
    for detail in &event.details[..details] {
        put_display(out, *detail);
    }
}

fn put_str(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(&(text.len() as u32).to_le_bytes());
    out.extend_from_slice(text.as_bytes());
}

/// Renders `value` after a length that is filled in afterwards.
fn put_display(out: &mut Vec<u8>, value: &dyn fmt::Display) {
    let at = out.len();
    out.extend_from_slice(&[0; 4]);
    let _ = write!(Utf8Vec(out), "{value}");
    let len = (out.len() - at - 4) as u32;
    out[at..at + 4].copy_from_slice(&len.to_le_bytes());
}

/// `fmt::Write` into a byte vector (what it receives is UTF-8).
struct Utf8Vec<'a>(&'a mut Vec<u8>);

impl fmt::Write for Utf8Vec<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// Reads the layout back; `None` only if the bytes are not a capture (a bug).
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn str(&mut self) -> Option<&'a str> {
        let len = u32::from_le_bytes(self.array()?) as usize;
        std::str::from_utf8(self.take(len)?).ok()
    }

    fn str_if(&mut self, present: u8, bit: u8) -> Option<Option<&'a str>> {
        if present & bit == 0 {
            Some(None)
        } else {
            self.str().map(Some)
        }
    }
}

/// Key-values read back from a capture.
struct Replayed<'a>(Vec<(&'a str, Value<'a>)>);

impl Fields for Replayed<'_> {
    fn visit(&self, visit: &mut dyn FnMut(&str, Value<'_>)) {
        self.0.as_slice().visit(visit)
    }
}

/// Calls `f` with the event that `captured` holds; `None` when the bytes are not a capture.
pub fn replay<R>(captured: &[u8], f: impl FnOnce(&Event<'_>) -> R) -> Option<R> {
    let mut r = Reader(captured);
    let secs = i64::from_le_bytes(r.array()?);
    let nanos = u32::from_le_bytes(r.array()?);
    let level = *Level::ALL.get(r.u8()? as usize)?;
    let present = r.u8()?;
    let target = r.str()?;
    let function = r.str_if(present, FUNCTION)?;
    let file = r.str_if(present, FILE)?;
    let line = if present & LINE == 0 {
        None
    } else {
        Some(u32::from_le_bytes(r.array()?))
    };
    let request_id = r.str_if(present, REQUEST_ID)?;
    let thread = r.str_if(present, THREAD)?;
    let message = r.str()?;
    let count = u16::from_le_bytes(r.array()?);
    let mut fields = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let key = r.str()?;
        let value = match r.u8()? {
            STR => Value::Str(r.str()?),
            I64 => Value::I64(i64::from_le_bytes(r.array()?)),
            U64 => Value::U64(u64::from_le_bytes(r.array()?)),
            F64 => Value::F64(f64::from_le_bytes(r.array()?)),
            BOOL => Value::Bool(r.u8()? != 0),
            _ => return None,
        };
        fields.push((key, value));
    }
    let count = u16::from_le_bytes(r.array()?);
    let mut texts = Vec::with_capacity(count as usize);
    for _ in 0..count {
        texts.push(r.str()?);
    }
    let details: Vec<&dyn fmt::Display> = texts.iter().map(|t| t as &dyn fmt::Display).collect();
    let fields = Replayed(fields);
    let event = Event {
        function,
        file,
        line,
        request_id,
        thread,
        fields: &fields,
        details: &details,
        ..Event::new(Timestamp::new(secs, nanos), level, target, &message)
    };
    Some(f(&event))
}

/// One captured record, as a sink on the logger's worker receives it.
#[derive(Clone, Copy, Debug)]
pub struct Captured<'a> {
    bytes: &'a [u8],
}

/// Where the level byte is: after seconds and nanoseconds.
const LEVEL_AT: usize = 8 + 4;
/// Where the target's length starts: after the level and the present bits.
const TARGET_AT: usize = LEVEL_AT + 1 + 1;

impl<'a> Captured<'a> {
    /// The bytes [`capture`] wrote (what [`replay`] reads).
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The record's level, read without replaying the rest.
    pub fn level(&self) -> Option<Level> {
        Level::ALL.get(*self.bytes.get(LEVEL_AT)? as usize).copied()
    }

    /// The record's target, read without replaying the rest.
    pub fn target(&self) -> Option<&'a str> {
        Reader(self.bytes.get(TARGET_AT..)?).str()
    }

    /// Calls `f` with the record as an [`Event`]; `None` only when the bytes are not a capture
    /// (a bug).
    pub fn event<R>(&self, f: impl FnOnce(&Event<'_>) -> R) -> Option<R> {
        replay(self.bytes, f)
    }
}

/// Appends `event` to `out` as one frame: a `u32` length, then the capture.
pub(crate) fn capture_frame(event: &Event<'_>, out: &mut Vec<u8>) {
    let at = out.len();
    out.extend_from_slice(&[0; 4]);
    capture(event, out);
    let len = (out.len() - at - 4) as u32;
    out[at..at + 4].copy_from_slice(&len.to_le_bytes());
}

/// The records of a run of frames, in order (a cut frame at the end is left out).
pub(crate) fn frames(mut bytes: &[u8]) -> impl Iterator<Item = Captured<'_>> {
    std::iter::from_fn(move || {
        let len = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
        let record = bytes.get(4..4 + len)?;
        bytes = &bytes[4 + len..];
        Some(Captured { bytes: record })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What an event looks like to an encoder: every part, rendered.
    fn describe(event: &Event<'_>) -> String {
        let mut fields = Vec::new();
        event.fields.visit(&mut |k, v| fields.push(format!("{k}={v:?}")));
        let details: Vec<String> = event.details.iter().map(|d| d.to_string()).collect();
        format!(
            "{}.{:09} {:?} {} {:?} {:?} {:?} {:?} {:?} {:?} [{}] {:?}",
            event.timestamp.unix_seconds(),
            event.timestamp.subsec_nanos(),
            event.level,
            event.target,
            event.function,
            event.file,
            event.line,
            event.request_id,
            event.thread,
            event.message.to_string(),
            fields.join(" "),
            details
        )
    }

    fn round_trip(event: &Event<'_>) -> String {
        let mut bytes = Vec::new();
        capture(event, &mut bytes);
        replay(&bytes, describe).expect("a capture")
    }

    struct Shown;

    impl fmt::Display for Shown {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("shown ")?;
            write!(f, "{}", 42)
        }
    }

    #[test]
    fn every_part_of_an_event_comes_back() {
        let tokens = 17;
        let message = format_args!("안녕 😀 {tokens} tokens\nsecond line");
        let fields = [
            ("prompt", Value::Str("say \"hi\"")),
            ("shown", Value::Display(&Shown)),
            ("delta", Value::I64(-5)),
            ("count", Value::U64(u64::MAX)),
            ("ratio", Value::F64(0.25)),
            ("cached", Value::Bool(true)),
        ];
        let details: [&dyn fmt::Display; 2] = [&"caused by: timeout", &Shown];
        let event = Event {
            function: Some("generate_text"),
            file: Some("src/engine.rs"),
            line: Some(88),
            request_id: Some("req_a1b2c3d4"),
            thread: Some("worker-3"),
            fields: &fields,
            details: &details,
            ..Event::new(
                Timestamp::new(1_737_297_015, 123_456_789),
                Level::Critical,
                "inference.engine",
                &message,
            )
        };
        // Display values come back as text: what every encoder writes for them anyway.
        let expected = describe(&event).replace("shown=Display(shown 42)", "shown=Str(\"shown 42\")");
        assert_ne!(expected, describe(&event));
        assert_eq!(round_trip(&event), expected);
    }

    #[test]
    fn absent_parts_stay_absent() {
        for level in Level::ALL {
            let event = Event::new(Timestamp::new(-3, 5), level, "t", &"");
            assert_eq!(round_trip(&event), describe(&event));
        }
        let only_line = Event {
            line: Some(7),
            ..Event::new(Timestamp::new(0, 0), Level::Info, "t", &"m")
        };
        assert_eq!(round_trip(&only_line), describe(&only_line));
    }

    #[test]
    fn frames_split_back_into_records_whose_level_and_target_read_without_replay() {
        let mut bytes = Vec::new();
        let levels = [Level::Debug, Level::Critical, Level::Info];
        for (i, level) in levels.into_iter().enumerate() {
            let target = format!("app::part{i}");
            let message = format!("record {i}");
            capture_frame(
                &Event::new(Timestamp::new(i as i64, 0), level, &target, &message),
                &mut bytes,
            );
        }
        let records: Vec<Captured<'_>> = frames(&bytes).collect();
        assert_eq!(records.len(), 3);
        for (i, record) in records.iter().enumerate() {
            assert_eq!(record.level(), Some(levels[i]));
            assert_eq!(record.target(), Some(format!("app::part{i}").as_str()));
            let message = record.event(|e| e.message.to_string());
            assert_eq!(message.as_deref(), Some(format!("record {i}").as_str()));
        }
        // A frame cut short is not read as a record.
        assert_eq!(frames(&bytes[..bytes.len() - 1]).count(), 2);
    }

    #[test]
    fn bytes_that_are_not_a_capture_are_refused_not_misread() {
        let mut bytes = Vec::new();
        capture(
            &Event::new(Timestamp::new(1, 2), Level::Info, "target", &"message"),
            &mut bytes,
        );
        for cut in 0..bytes.len() {
            assert!(replay(&bytes[..cut], |_| ()).is_none(), "cut at {cut}");
        }
        let mut bad_level = bytes.clone();
        bad_level[12] = 9;
        assert!(replay(&bad_level, |_| ()).is_none());
    }
}
