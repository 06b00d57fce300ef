//! The console sink: stdout or stderr, coloured on a terminal, written off the caller's thread.

use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use logfmt::{Event, Format, Formatter, Level, Precision, Timestamp, Zone};

use crate::worker::{Batch, BatchWriter, NonBlockingBuilder};
use crate::{LineBuf, Sink, SinkStats, WorkerSink};

/// Which standard stream the console sink writes to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    /// Standard output (the default).
    #[default]
    Stdout,
    /// Standard error.
    Stderr,
}

impl std::str::FromStr for Stream {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        crate::config::parse_choice(s, &[("stdout", Stream::Stdout), ("stderr", Stream::Stderr)])
    }
}

impl Stream {
    fn is_terminal(self) -> bool {
        match self {
            Stream::Stdout => io::stdout().is_terminal(),
            Stream::Stderr => io::stderr().is_terminal(),
        }
    }
}

/// When the console is coloured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ColorMode {
    /// Only when the stream is a terminal and `NO_COLOR` is unset or empty (the default).
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl ColorMode {
    /// Whether to colour, given what the stream is and whether `NO_COLOR` is set.
    ///
    /// ```
    /// use logcore::ColorMode;
    /// assert!(ColorMode::Auto.resolve(true, false));
    /// assert!(!ColorMode::Auto.resolve(true, true));
    /// assert!(!ColorMode::Auto.resolve(false, false));
    /// assert!(ColorMode::Always.resolve(false, true));
    /// ```
    pub fn resolve(self, is_terminal: bool, no_color: bool) -> bool {
        match self {
            ColorMode::Auto => is_terminal && !no_color,
            ColorMode::Always => true,
            ColorMode::Never => false,
        }
    }
}

impl std::str::FromStr for ColorMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        crate::config::parse_choice(
            s,
            &[
                ("auto", ColorMode::Auto),
                ("always", ColorMode::Always),
                ("never", ColorMode::Never),
            ],
        )
    }
}

/// Whether `NO_COLOR` is set to something non-empty (<https://no-color.org>).
pub(crate) fn no_color_from_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Builds a [`ConsoleSink`].
///
/// | setting | default |
/// |---|---|
/// | `stream` | stdout |
/// | `format` | pipe |
/// | `color` | auto (terminal and no `NO_COLOR`) |
/// | `zone` | local |
/// | `precision` | seconds |
/// | `queue` | [`NonBlockingBuilder`]'s defaults, thread `logcore-console` |
#[derive(Clone, Debug)]
pub struct ConsoleSinkBuilder {
    stream: Stream,
    format: Format,
    color: ColorMode,
    no_color: bool,
    zone: Option<Zone>,
    precision: Precision,
    queue: NonBlockingBuilder,
}

impl Default for ConsoleSinkBuilder {
    fn default() -> Self {
        ConsoleSinkBuilder {
            stream: Stream::Stdout,
            format: Format::Pipe,
            color: ColorMode::Auto,
            no_color: no_color_from_env(),
            zone: None,
            precision: Precision::Seconds,
            queue: NonBlockingBuilder::default().thread_name("logcore-console"),
        }
    }
}

impl ConsoleSinkBuilder {
    /// Writes to stdout or stderr.
    #[must_use]
    pub fn stream(mut self, stream: Stream) -> Self {
        self.stream = stream;
        self
    }

    /// The line format.
    #[must_use]
    pub fn format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// When to colour.
    #[must_use]
    pub fn color(mut self, color: ColorMode) -> Self {
        self.color = color;
        self
    }

    /// Overrides what `NO_COLOR` said (read from the environment by default).
    #[must_use]
    pub fn no_color(mut self, no_color: bool) -> Self {
        self.no_color = no_color;
        self
    }

    /// The time zone of timestamps (local by default).
    #[must_use]
    pub fn zone(mut self, zone: Zone) -> Self {
        self.zone = Some(zone);
        self
    }

    /// Seconds, milliseconds or microseconds.
    #[must_use]
    pub fn precision(mut self, precision: Precision) -> Self {
        self.precision = precision;
        self
    }

    /// The worker's buffer, overflow policy and flush interval.
    #[must_use]
    pub fn queue(mut self, queue: NonBlockingBuilder) -> Self {
        self.queue = queue;
        self
    }

    /// Starts the sink's worker thread.
    pub fn build(self) -> io::Result<ConsoleSink> {
        let color = self.color.resolve(self.stream.is_terminal(), self.no_color);
        let formatter = Formatter::new(self.format)
            .with_zone(self.zone.unwrap_or_else(Zone::local))
            .with_precision(self.precision)
            .with_color(color);
        let writer = ConsoleWriter {
            stream: self.stream,
            formatter: formatter.clone(),
        };
        WorkerSink::spawn("console", formatter, self.queue, writer).map(ConsoleSink)
    }
}

/// Writes records to stdout or stderr through a non-blocking worker.
#[derive(Debug)]
pub struct ConsoleSink(WorkerSink);

impl ConsoleSink {
    /// A builder with the defaults.
    pub fn builder() -> ConsoleSinkBuilder {
        ConsoleSinkBuilder::default()
    }

    /// Whether lines are coloured.
    pub fn colored(&self) -> bool {
        self.0.formatter().colored()
    }
}

impl Sink for ConsoleSink {
    fn log(&self, event: &Event<'_>, line: &mut LineBuf) {
        self.0.log(event, line)
    }

    fn flush(&self, timeout: Duration) -> bool {
        self.0.flush(timeout)
    }

    fn shutdown(&self, timeout: Duration) -> bool {
        self.0.shutdown(timeout)
    }

    fn stats(&self) -> SinkStats {
        self.0.stats()
    }
}

struct ConsoleWriter {
    stream: Stream,
    formatter: Formatter,
}

impl ConsoleWriter {
    fn write_all(&self, bytes: &[u8]) -> io::Result<()> {
        match self.stream {
            Stream::Stdout => io::stdout().lock().write_all(bytes),
            Stream::Stderr => io::stderr().lock().write_all(bytes),
        }
    }
}

impl BatchWriter for ConsoleWriter {
    fn write_batch(&mut self, batch: &Batch<'_>) -> io::Result<()> {
        self.write_all(batch.bytes())
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.stream {
            Stream::Stdout => io::stdout().flush(),
            Stream::Stderr => io::stderr().flush(),
        }
    }

    fn dropped(&mut self, count: u64) {
        let _ = self.write_all(&dropped_notice(&self.formatter, count));
    }
}

/// The WARNING line a sink writes when it had to drop records, formatted like any other.
pub fn dropped_notice(formatter: &Formatter, count: u64) -> Vec<u8> {
    let message = format!("{count} records dropped: the queue was full (overflow policy: drop)");
    let fields = [("dropped", logfmt::Value::U64(count))];
    let event = Event {
        fields: &fields,
        ..Event::new(Timestamp::now(), Level::Warning, "logcore", &message)
    };
    let mut line = LineBuf::new();
    line.format(formatter, &event).to_vec()
}

/// The queue settings a config asks for, on top of a worker named `thread_name`.
pub(crate) fn queue_builder(config: &crate::QueueConfig, thread_name: &str) -> NonBlockingBuilder {
    config.builder(thread_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dropped_notice_is_a_warning_line_with_the_count() {
        let formatter = Formatter::new(Format::Pipe).with_zone(Zone::utc());
        let line = String::from_utf8(dropped_notice(&formatter, 1234)).unwrap();
        assert!(line.contains("| WARNING  | logcore "), "{line}");
        assert!(line.contains("1234 records dropped: the queue was full"), "{line}");
        assert!(line.ends_with(" dropped=1234\n"), "{line}");
    }

    #[test]
    fn parse_the_configuration_names() {
        assert_eq!("STDERR".parse::<Stream>(), Ok(Stream::Stderr));
        assert_eq!("Never".parse::<ColorMode>(), Ok(ColorMode::Never));
        assert_eq!(
            "rainbow".parse::<ColorMode>().unwrap_err(),
            "one of auto, always, never"
        );
    }
}
