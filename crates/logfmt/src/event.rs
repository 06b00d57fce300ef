//! The borrowed view of one record that every format reads.
//!
//! `logfmt` does not depend on the `log` crate: `logcore` adapts `log::Record` into an
//! [`Event`], and anything else (a test, a sink's own notice line) can build one directly.

use std::fmt;

use crate::{Level, Timestamp};

/// A structured value attached to a record. Numbers and booleans keep their type in JSON.
#[derive(Clone, Copy)]
pub enum Value<'a> {
    /// Text.
    Str(&'a str),
    /// A signed integer.
    I64(i64),
    /// An unsigned integer.
    U64(u64),
    /// A floating-point number (non-finite values are written as strings in JSON).
    F64(f64),
    /// A boolean.
    Bool(bool),
    /// Anything else, written through its `Display` (a string in JSON).
    Display(&'a dyn fmt::Display),
}

impl fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => write!(f, "Str({s:?})"),
            Value::I64(v) => write!(f, "I64({v})"),
            Value::U64(v) => write!(f, "U64({v})"),
            Value::F64(v) => write!(f, "F64({v})"),
            Value::Bool(v) => write!(f, "Bool({v})"),
            Value::Display(v) => write!(f, "Display({v})"),
        }
    }
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => f.write_str(s),
            Value::I64(v) => fmt::Display::fmt(v, f),
            Value::U64(v) => fmt::Display::fmt(v, f),
            Value::F64(v) => fmt::Display::fmt(v, f),
            Value::Bool(v) => fmt::Display::fmt(v, f),
            Value::Display(v) => fmt::Display::fmt(v, f),
        }
    }
}

macro_rules! value_from {
    ($($t:ty => $variant:ident as $as:ty),* $(,)?) => {$(
        impl<'a> From<$t> for Value<'a> {
            fn from(v: $t) -> Self {
                Value::$variant(v as $as)
            }
        }
    )*};
}

value_from! {
    i8 => I64 as i64, i16 => I64 as i64, i32 => I64 as i64, i64 => I64 as i64, isize => I64 as i64,
    u8 => U64 as u64, u16 => U64 as u64, u32 => U64 as u64, u64 => U64 as u64, usize => U64 as u64,
    f32 => F64 as f64, f64 => F64 as f64,
}

impl<'a> From<bool> for Value<'a> {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Str(v)
    }
}

/// The key-values of a record, visited in order.
///
/// Implemented for slices of `(&str, Value)` pairs and for `()` (no fields); `logcore`
/// implements it over `log`'s key-values.
pub trait Fields {
    /// Calls `visit` once per key-value, in order.
    fn visit(&self, visit: &mut dyn FnMut(&str, Value<'_>));
}

impl Fields for () {
    fn visit(&self, _: &mut dyn FnMut(&str, Value<'_>)) {}
}

impl Fields for [(&str, Value<'_>)] {
    fn visit(&self, visit: &mut dyn FnMut(&str, Value<'_>)) {
        for (key, value) in self {
            visit(key, *value);
        }
    }
}

impl Fields for Vec<(&str, Value<'_>)> {
    fn visit(&self, visit: &mut dyn FnMut(&str, Value<'_>)) {
        self.as_slice().visit(visit)
    }
}

impl<const N: usize> Fields for [(&str, Value<'_>); N] {
    fn visit(&self, visit: &mut dyn FnMut(&str, Value<'_>)) {
        self.as_slice().visit(visit)
    }
}

/// A borrowed view of one log record.
///
/// ```
/// use logfmt::{Event, Format, Formatter, Level, Scratch, Timestamp, Value, Zone};
///
/// let fields = [("prompt_tokens", Value::U64(100))];
/// let event = Event {
///     request_id: Some("req_a1b2c3d4"),
///     fields: &fields,
///     ..Event::new(Timestamp::new(1_737_297_020, 0), Level::Info, "app.routers.generate", &"Processing generation request")
/// };
/// let mut line = Vec::new();
/// Formatter::new(Format::Pipe).with_zone(Zone::utc()).format(&event, &mut line, &mut Scratch::new());
/// assert_eq!(
///     String::from_utf8(line).unwrap(),
///     "2025-01-19 14:30:20 | INFO     | app.routers.generate  | -                    | req_a1b2c3d4 | Processing generation request prompt_tokens=100\n"
/// );
/// ```
#[derive(Clone, Copy)]
pub struct Event<'a> {
    /// When the record was made.
    pub timestamp: Timestamp,
    /// Its severity.
    pub level: Level,
    /// Where it comes from: a module path (`inference_demo::engine`) or a chosen name.
    pub target: &'a str,
    /// The function that logged it, when the call site recorded one.
    pub function: Option<&'a str>,
    /// The source file, when known.
    pub file: Option<&'a str>,
    /// The source line, when known.
    pub line: Option<u32>,
    /// The request the record belongs to; `None` outside a request (`no-req`).
    pub request_id: Option<&'a str>,
    /// The logging thread's name (or id), when known.
    pub thread: Option<&'a str>,
    /// The message: often `log`'s `fmt::Arguments`, or any text.
    pub message: &'a dyn fmt::Display,
    /// Key-values, written after the message.
    pub fields: &'a dyn Fields,
    /// Further lines that belong to this record (an error's causes, a backtrace). Text formats
    /// write each as its own physical line with the full prefix, so `grep <request id>` finds
    /// all of them; JSON puts them in a `details` array.
    pub details: &'a [&'a dyn fmt::Display],
}

impl<'a> Event<'a> {
    /// An event with no function, location, request, thread, fields or details.
    pub fn new(timestamp: Timestamp, level: Level, target: &'a str, message: &'a dyn fmt::Display) -> Self {
        Event {
            timestamp,
            level,
            target,
            function: None,
            file: None,
            line: None,
            request_id: None,
            thread: None,
            message,
            fields: &(),
            details: &[],
        }
    }
}

impl fmt::Debug for Event<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut fields = Vec::new();
        self.fields.visit(&mut |k, v| fields.push(format!("{k}={v:?}")));
        f.debug_struct("Event")
            .field("timestamp", &self.timestamp)
            .field("level", &self.level)
            .field("target", &self.target)
            .field("function", &self.function)
            .field("file", &self.file)
            .field("line", &self.line)
            .field("request_id", &self.request_id)
            .field("thread", &self.thread)
            .field("message", &self.message.to_string())
            .field("fields", &fields)
            .field("details", &self.details.len())
            .finish()
    }
}
