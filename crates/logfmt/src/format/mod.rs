//! The formatter: one [`Event`] to one line (plus detail lines) in the chosen [`Format`].

mod json;
mod text;

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::str::FromStr;

use crate::escape::{ByteWriter, Style, escape_into};
use crate::{Event, Level, Precision, TimeCache, Zone, is_sensitive_key, redact};

/// The layout of a formatted record.
///
/// ```
/// use logfmt::Format;
/// assert_eq!("JSON".parse::<Format>(), Ok(Format::Json));
/// assert_eq!(Format::default(), Format::Pipe);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Format {
    /// Fixed columns separated by ` | ` (the first seed's format; the default):
    /// time, level (8 wide), target (21), function (20), request id (10), message, fields.
    #[default]
    Pipe,
    /// The second seed's shape: `time - LEVEL - [request id] message fields`.
    Compact,
    /// One JSON object per line (see the crate docs for the field names).
    Json,
}

impl Format {
    /// The name used in configuration: `pipe`, `compact` or `json`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Format::Pipe => "pipe",
            Format::Compact => "compact",
            Format::Json => "json",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Format::Pipe, Format::Compact, Format::Json]
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| "one of pipe, compact, json".to_owned())
    }
}

/// Reusable per-thread state for formatting: the timestamp cache and a buffer for rendering
/// messages before they are redacted and escaped. Keep one per thread and reuse it.
#[derive(Debug, Default)]
pub struct Scratch {
    time: TimeCache,
    text: Vec<u8>,
}

impl Scratch {
    /// Empty scratch space.
    pub const fn new() -> Self {
        Scratch {
            time: TimeCache::new(),
            text: Vec::new(),
        }
    }
}

/// ANSI start sequences per level, made once from `colored`'s colour codes.
#[derive(Clone, Debug)]
struct Palette {
    start: [String; 6],
}

const RESET: &[u8] = b"\x1b[0m";

impl Palette {
    fn new() -> Self {
        use colored::Color;
        let code = |c: Color, bold: bool| {
            let bold = if bold { "1;" } else { "" };
            format!("\x1b[{bold}{}m", c.to_fg_str())
        };
        Palette {
            start: [
                code(Color::BrightBlack, false),
                code(Color::Cyan, false),
                code(Color::Green, false),
                code(Color::Yellow, false),
                code(Color::Red, false),
                code(Color::Magenta, true),
            ],
        }
    }
}

/// Formats events as lines of text or JSON.
///
/// | setting | default |
/// |---|---|
/// | format | the one given to [`Formatter::new`] |
/// | zone | [`Zone::local`] |
/// | precision | [`Precision::Seconds`] (text formats; JSON always has microseconds) |
/// | colour | off |
/// | redaction | on: secrets in messages and fields become `[REDACTED]` |
///
/// ```
/// use logfmt::{Event, Format, Formatter, Level, Scratch, Timestamp, Zone};
/// let f = Formatter::new(Format::Compact).with_zone(Zone::utc());
/// let mut out = Vec::new();
/// f.format(
///     &Event {
///         request_id: Some("a1b2c3d4"),
///         ..Event::new(Timestamp::new(1_736_433_025, 0), Level::Info, "app", &"===== request start: /vision =====")
///     },
///     &mut out,
///     &mut Scratch::new(),
/// );
/// assert_eq!(out, b"2025-01-09 14:30:25 - INFO - [a1b2c3d4] ===== request start: /vision =====\n");
/// ```
#[derive(Clone, Debug)]
pub struct Formatter {
    format: Format,
    zone: Zone,
    precision: Precision,
    palette: Option<Palette>,
    redact: bool,
}

impl Formatter {
    /// A formatter for `format` with the defaults in the table above.
    pub fn new(format: Format) -> Self {
        Formatter {
            format,
            zone: Zone::local(),
            precision: Precision::Seconds,
            palette: None,
            redact: true,
        }
    }

    /// Writes timestamps in `zone`.
    #[must_use]
    pub fn with_zone(mut self, zone: Zone) -> Self {
        self.zone = zone;
        self
    }

    /// Shows seconds, milliseconds or microseconds in the text formats.
    #[must_use]
    pub fn with_precision(mut self, precision: Precision) -> Self {
        self.precision = precision;
        self
    }

    /// Colours the level (DEBUG cyan, INFO green, WARNING yellow, ERROR red, CRITICAL magenta)
    /// in the text formats. JSON is never coloured.
    #[must_use]
    pub fn with_color(mut self, on: bool) -> Self {
        self.palette = on.then(Palette::new);
        self
    }

    /// Turns redaction of secrets on (the default) or off.
    #[must_use]
    pub fn with_redaction(mut self, on: bool) -> Self {
        self.redact = on;
        self
    }

    /// The layout this formatter writes.
    pub fn format_kind(&self) -> Format {
        self.format
    }

    /// The zone timestamps are written in.
    pub fn zone(&self) -> &Zone {
        &self.zone
    }

    /// Whether the level is coloured.
    pub fn colored(&self) -> bool {
        self.palette.is_some()
    }

    /// Appends the event to `out`: one line ending in `\n`, then one line per detail.
    pub fn format(&self, event: &Event<'_>, out: &mut Vec<u8>, scratch: &mut Scratch) {
        match self.format {
            Format::Pipe => text::write_pipe(self, event, out, scratch),
            Format::Compact => text::write_compact(self, event, out, scratch),
            Format::Json => json::write_json(self, event, out, scratch),
        }
    }

    fn level_start(&self, level: Level) -> &[u8] {
        match &self.palette {
            Some(p) => p.start[level.index()].as_bytes(),
            None => b"",
        }
    }

    fn level_end(&self) -> &[u8] {
        if self.palette.is_some() { RESET } else { b"" }
    }

    /// `text` with secrets replaced, when redaction is on.
    fn redacted<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if self.redact { redact(text) } else { Cow::Borrowed(text) }
    }

    /// Whether a field called `key` is written as `[REDACTED]` whatever its value.
    fn hides_field(&self, key: &str) -> bool {
        self.redact && is_sensitive_key(key)
    }

    /// Appends `text`, redacted when redaction is on, then escaped for `style`.
    fn write_user_text(&self, text: &str, style: Style, out: &mut Vec<u8>) {
        escape_into(&self.redacted(text), style, out);
    }

    /// Appends the output of `value`'s `Display`, redacted and escaped.
    fn write_display(&self, value: &dyn fmt::Display, style: Style, out: &mut Vec<u8>, buf: &mut Vec<u8>) {
        buf.clear();
        // A failing `Display` keeps what it wrote: the line is still written.
        let _ = write!(ByteWriter(buf), "{value}");
        self.write_user_text(rendered(buf), style, out);
    }
}

/// The text in `buf`, which only ever receives whole `&str`s (through [`ByteWriter`], after a
/// `clear`).
fn rendered(buf: &[u8]) -> &str {
    debug_assert!(std::str::from_utf8(buf).is_ok());
    // SAFETY: `buf` is only ever cleared and then appended whole `&str`s by `ByteWriter`, so it
    // holds valid UTF-8; checking again would cost a pass over every message.
    unsafe { std::str::from_utf8_unchecked(buf) }
}

/// The number of characters in UTF-8 `bytes`.
fn char_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}
