//! Syslog messages: RFC 5424 (with STRUCTURED-DATA) and RFC 3164 (BSD).
//!
//! One record is one message. Text that users control (the message, field values) has its
//! control characters written as visible escapes (`\n`, `\x1b`), so a prompt can neither start
//! a new line in a collector's file nor move a terminal's cursor; structured-data values are
//! then escaped as RFC 5424 asks (`"`, `\`, `]`).

use std::fmt;
use std::str::FromStr;

use logfmt::{Event, Level, Value, Zone, escape_text, is_sensitive_key};

use super::{Scratch, char_boundary_at_most, redacted, render};

/// Which syslog message format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SyslogFormat {
    /// RFC 5424: ISO timestamp, structured data, UTF-8 message (the default).
    #[default]
    Rfc5424,
    /// RFC 3164, the BSD format `syslog(3)` writes: request id and key-values go into the message.
    Rfc3164,
}

impl FromStr for SyslogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "rfc5424" | "5424" => Ok(SyslogFormat::Rfc5424),
            "rfc3164" | "3164" | "bsd" => Ok(SyslogFormat::Rfc3164),
            _ => Err("rfc5424 or rfc3164".to_owned()),
        }
    }
}

/// A syslog facility (0 to 23).
///
/// ```
/// use logsink_remote::Facility;
/// assert_eq!("local0".parse::<Facility>().unwrap().code(), 16);
/// assert_eq!("daemon".parse::<Facility>().unwrap().code(), 3);
/// assert!("local8".parse::<Facility>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Facility(u8);

const FACILITIES: [&str; 24] = [
    "kern",
    "user",
    "mail",
    "daemon",
    "auth",
    "syslog",
    "lpr",
    "news",
    "uucp",
    "cron",
    "authpriv",
    "ftp",
    "ntp",
    "security",
    "console",
    "solaris-cron",
    "local0",
    "local1",
    "local2",
    "local3",
    "local4",
    "local5",
    "local6",
    "local7",
];

impl Facility {
    /// `user` (1), the default.
    pub const USER: Facility = Facility(1);
    /// `local0` (16).
    pub const LOCAL0: Facility = Facility(16);

    /// The facility with numeric `code`, if it is 0 to 23.
    pub fn from_code(code: u8) -> Option<Facility> {
        (code < 24).then_some(Facility(code))
    }

    /// The numeric code.
    pub fn code(self) -> u8 {
        self.0
    }

    /// The name (`local0`, `daemon`, ...).
    pub fn name(self) -> &'static str {
        FACILITIES[self.0 as usize]
    }
}

impl Default for Facility {
    fn default() -> Self {
        Facility::USER
    }
}

impl FromStr for Facility {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        FACILITIES
            .iter()
            .position(|name| *name == s)
            .map(|i| Facility(i as u8))
            .or_else(|| s.parse::<u8>().ok().and_then(Facility::from_code))
            .ok_or_else(|| {
                "a syslog facility: kern, user, mail, daemon, auth, syslog, ..., local0 to local7, or 0 to 23"
                    .to_owned()
            })
    }
}

impl fmt::Display for Facility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The syslog severity of a level: CRITICAL is `crit` (2), ERROR `err` (3), WARNING
/// `warning` (4), INFO `info` (6), DEBUG and TRACE `debug` (7).
pub fn severity(level: Level) -> u8 {
    match level {
        Level::Critical => 2,
        Level::Error => 3,
        Level::Warning => 4,
        Level::Info => 6,
        Level::Debug | Level::Trace => 7,
    }
}

/// The SD-ID of the element records' context goes in: a name under the example private
/// enterprise number of RFC 5612, as RFC 5424 asks of names that are not IANA-registered.
pub const DEFAULT_SD_ID: &str = "logcore@32473";

/// Encodes records as syslog messages (without transport framing).
///
/// | setting | default |
/// |---|---|
/// | format | RFC 5424 |
/// | facility | `user` |
/// | hostname | this machine's |
/// | app-name | `inference-server` |
/// | procid | this process's id |
/// | msgid | `-` (none) |
/// | SD-ID | `logcore@32473` |
/// | max message bytes | 2048 |
/// | byte-order mark before the message | off |
///
/// ```
/// use logfmt::{Event, Level, Timestamp, Value};
/// use logsink_remote::{Scratch, SyslogEncoder};
/// let encoder = SyslogEncoder::new().hostname("gpu-node-1").app_name("vllm").procid("4242");
/// let fields = [("tokens", Value::U64(42))];
/// let event = Event {
///     request_id: Some("req_a1b2c3d4"),
///     fields: &fields,
///     ..Event::new(Timestamp::new(1_737_297_020, 5_000), Level::Info, "app.generate", &"Done \"ok\"")
/// };
/// let mut out = Vec::new();
/// encoder.encode(&event, &mut out, &mut Scratch::new());
/// assert_eq!(
///     String::from_utf8(out).unwrap(),
///     "<14>1 2025-01-19T14:30:20.000005Z gpu-node-1 vllm 4242 - \
///      [logcore@32473 request_id=\"req_a1b2c3d4\" target=\"app.generate\" tokens=\"42\"] Done \"ok\""
/// );
/// ```
#[derive(Clone, Debug)]
pub struct SyslogEncoder {
    format: SyslogFormat,
    facility: Facility,
    hostname: String,
    app_name: String,
    procid: String,
    msgid: String,
    sd_id: String,
    zone: Zone,
    max_bytes: usize,
    bom: bool,
    local: bool,
    redact: bool,
}

impl Default for SyslogEncoder {
    fn default() -> Self {
        SyslogEncoder::new()
    }
}

impl SyslogEncoder {
    /// An encoder with the defaults in the table above.
    pub fn new() -> Self {
        SyslogEncoder {
            format: SyslogFormat::Rfc5424,
            facility: Facility::USER,
            hostname: header_field(&super::local_hostname(), 255),
            app_name: header_field(super::DEFAULT_SERVICE, 48),
            procid: std::process::id().to_string(),
            msgid: "-".to_owned(),
            sd_id: DEFAULT_SD_ID.to_owned(),
            zone: Zone::local(),
            max_bytes: 2048,
            bom: false,
            local: false,
            redact: true,
        }
    }

    /// The message format.
    #[must_use]
    pub fn format(mut self, format: SyslogFormat) -> Self {
        self.format = format;
        self
    }

    /// The facility.
    #[must_use]
    pub fn facility(mut self, facility: Facility) -> Self {
        self.facility = facility;
        self
    }

    /// The HOSTNAME field (printable ASCII, at most 255 characters; others become `_`).
    #[must_use]
    pub fn hostname(mut self, hostname: &str) -> Self {
        self.hostname = header_field(hostname, 255);
        self
    }

    /// The APP-NAME field (at most 48 characters; the TAG of RFC 3164, at most 32).
    #[must_use]
    pub fn app_name(mut self, app_name: &str) -> Self {
        self.app_name = header_field(app_name, 48);
        self
    }

    /// The PROCID field (at most 128 characters).
    #[must_use]
    pub fn procid(mut self, procid: &str) -> Self {
        self.procid = header_field(procid, 128);
        self
    }

    /// The MSGID field (at most 32 characters; `-` for none).
    #[must_use]
    pub fn msgid(mut self, msgid: &str) -> Self {
        self.msgid = header_field(msgid, 32);
        self
    }

    /// The SD-ID of the structured-data element (`name@number`; at most 32 characters).
    #[must_use]
    pub fn sd_id(mut self, sd_id: &str) -> Self {
        self.sd_id = sd_name(sd_id);
        self
    }

    /// The zone of RFC 3164 timestamps, which carry no offset (default: local time). RFC 5424
    /// timestamps are always UTC.
    #[must_use]
    pub fn zone(mut self, zone: Zone) -> Self {
        self.zone = zone;
        self
    }

    /// The longest message in bytes (at least 64): a longer one is cut on a character boundary.
    #[must_use]
    pub fn max_bytes(mut self, max: usize) -> Self {
        self.max_bytes = max.max(64);
        self
    }

    /// Whether an RFC 5424 message starts with the byte-order mark that RFC 5424 uses to mark
    /// it as UTF-8. Off by default: rsyslog and syslog-ng keep the mark inside the message
    /// they store, where it gets in the way of `grep` and editors, and they read UTF-8 without
    /// it.
    #[must_use]
    pub fn bom(mut self, on: bool) -> Self {
        self.bom = on;
        self
    }

    /// Leaves the HOSTNAME out of RFC 3164 messages, as `syslog(3)` does on a local socket.
    #[must_use]
    pub fn local(mut self, on: bool) -> Self {
        self.local = on;
        self
    }

    /// Turns redaction of secrets on (the default) or off.
    #[must_use]
    pub fn redaction(mut self, on: bool) -> Self {
        self.redact = on;
        self
    }

    /// The configured message format.
    pub fn message_format(&self) -> SyslogFormat {
        self.format
    }

    /// The configured longest message.
    pub fn max_message_bytes(&self) -> usize {
        self.max_bytes
    }

    /// Appends one message for `event`; returns whether it was cut to the maximum length.
    pub fn encode(&self, event: &Event<'_>, out: &mut Vec<u8>, scratch: &mut Scratch) -> bool {
        let start = out.len();
        let header_end = match self.format {
            SyslogFormat::Rfc5424 => self.encode_5424(event, out, scratch, true),
            SyslogFormat::Rfc3164 => {
                self.encode_3164(event, out, scratch);
                start
            }
        };
        if out.len() - start <= self.max_bytes {
            return false;
        }
        if header_end - start > self.max_bytes {
            // The header and structured data alone pass the limit: the element is dropped
            // rather than cut, so that what is sent still parses.
            out.truncate(start);
            self.encode_5424(event, out, scratch, false);
        }
        let cut = char_boundary_at_most(&out[start..], self.max_bytes);
        out.truncate(start + cut);
        true
    }

    fn pri(&self, level: Level) -> u8 {
        self.facility.0 * 8 + severity(level)
    }

    /// Appends an RFC 5424 message; returns where its MSG part starts in `out`.
    fn encode_5424(&self, event: &Event<'_>, out: &mut Vec<u8>, scratch: &mut Scratch, with_sd: bool) -> usize {
        use std::io::Write as _;
        let _ = write!(out, "<{}>1 ", self.pri(event.level));
        scratch.time.write_rfc3339(&Zone::utc(), event.timestamp, out);
        for field in [&self.hostname, &self.app_name, &self.procid, &self.msgid] {
            out.push(b' ');
            out.extend_from_slice(field.as_bytes());
        }
        out.push(b' ');
        if with_sd {
            self.structured_data(event, out, scratch);
        } else {
            out.push(b'-');
        }
        out.push(b' ');
        let message_start = out.len();
        if self.bom {
            out.extend_from_slice("\u{feff}".as_bytes());
        }
        self.message(event, out, scratch);
        message_start
    }

    fn structured_data(&self, event: &Event<'_>, out: &mut Vec<u8>, scratch: &mut Scratch) {
        out.push(b'[');
        out.extend_from_slice(self.sd_id.as_bytes());
        let param = |name: &str, value: &str, out: &mut Vec<u8>, nested: &mut Vec<u8>| {
            out.push(b' ');
            push_sd_name(name, out);
            out.extend_from_slice(b"=\"");
            nested.clear();
            escape_text(value, nested);
            sd_escape(nested, out);
            out.push(b'"');
        };
        let nested = &mut scratch.nested;
        if let Some(id) = event.request_id {
            param("request_id", &redacted(id, self.redact), out, nested);
        }
        param("target", event.target, out, nested);
        if let Some(function) = event.function {
            param("function", function, out, nested);
        }
        let redact = self.redact;
        let text = &mut scratch.text;
        event.fields.visit(&mut |key, value| {
            if redact && is_sensitive_key(key) {
                param(key, "[REDACTED]", out, nested);
                return;
            }
            let rendered = match value {
                Value::Str(s) => redacted(s, redact),
                other => redacted(render(&other, text), redact),
            };
            param(key, &rendered, out, nested);
        });
        out.push(b']');
    }

    /// The message text, escaped, followed by its detail lines after visible `\n`s.
    fn message(&self, event: &Event<'_>, out: &mut Vec<u8>, scratch: &mut Scratch) {
        let text = render(event.message, &mut scratch.text);
        escape_text(&redacted(text, self.redact), out);
        for detail in event.details {
            out.extend_from_slice(b"\\n");
            let text = render(detail, &mut scratch.text);
            escape_text(&redacted(text, self.redact), out);
        }
    }

    fn encode_3164(&self, event: &Event<'_>, out: &mut Vec<u8>, scratch: &mut Scratch) {
        use std::io::Write as _;
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let c = self.zone.civil(event.timestamp);
        let _ = write!(
            out,
            "<{}>{} {:>2} {:02}:{:02}:{:02} ",
            self.pri(event.level),
            MONTHS[(c.month as usize).clamp(1, 12) - 1],
            c.day,
            c.hour,
            c.minute,
            c.second
        );
        if !self.local {
            out.extend_from_slice(self.hostname.as_bytes());
            out.push(b' ');
        }
        // The TAG: at most 32 alphanumeric characters (and `-_.`) of the app-name.
        let tag_start = out.len();
        out.extend(
            self.app_name
                .bytes()
                .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
                .take(32),
        );
        if out.len() == tag_start {
            out.extend_from_slice(b"app");
        }
        let _ = write!(out, "[{}]: ", self.procid);
        if let Some(id) = event.request_id {
            out.push(b'[');
            escape_text(&redacted(id, self.redact), out);
            out.extend_from_slice(b"] ");
        }
        self.message(event, out, scratch);
        let redact = self.redact;
        let text = &mut scratch.text;
        event.fields.visit(&mut |key, value| {
            out.push(b' ');
            escape_text(key, out);
            out.push(b'=');
            if redact && is_sensitive_key(key) {
                out.extend_from_slice(b"[REDACTED]");
                return;
            }
            let rendered = match value {
                Value::Str(s) => redacted(s, redact),
                other => redacted(render(&other, text), redact),
            };
            escape_text(&rendered, out);
        });
    }
}

/// A header field: printable US-ASCII (33 to 126) only, at most `max` characters, `-` when
/// empty.
fn header_field(text: &str, max: usize) -> String {
    let field: String = text
        .chars()
        .map(|c| if ('!'..='~').contains(&c) { c } else { '_' })
        .take(max)
        .collect();
    if field.is_empty() { "-".to_owned() } else { field }
}

/// Whether `c` may stand in an SD-NAME: printable US-ASCII except `=`, space, `]` and `"`.
fn sd_name_char(c: char) -> bool {
    ('!'..='~').contains(&c) && !matches!(c, '=' | ']' | '"')
}

/// An SD-NAME made of `text`: other characters become `_`, at most 32 of them.
fn sd_name(text: &str) -> String {
    let mut name = Vec::with_capacity(32);
    push_sd_name(text, &mut name);
    String::from_utf8(name).unwrap_or_default()
}

/// Appends the SD-NAME made of `text` (see [`sd_name`]) without allocating.
fn push_sd_name(text: &str, out: &mut Vec<u8>) {
    if (1..=32).contains(&text.len()) && text.chars().all(sd_name_char) {
        // The usual case (`request_id`, `target`, a field's key): taken as it is.
        out.extend_from_slice(text.as_bytes());
        return;
    }
    let start = out.len();
    out.extend(
        text.chars()
            .take(32)
            .map(|c| if sd_name_char(c) { c as u8 } else { b'_' }),
    );
    if out.len() == start {
        out.push(b'_');
    }
}

/// Appends a PARAM-VALUE with `"`, `\` and `]` escaped by a backslash (RFC 5424, 6.3.3).
fn sd_escape(value: &[u8], out: &mut Vec<u8>) {
    let mut start = 0;
    for (i, &b) in value.iter().enumerate() {
        if matches!(b, b'"' | b'\\' | b']') {
            out.extend_from_slice(&value[start..i]);
            out.push(b'\\');
            start = i;
        }
    }
    out.extend_from_slice(&value[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use logfmt::Timestamp;

    fn encode(encoder: &SyslogEncoder, event: &Event<'_>) -> String {
        let mut out = Vec::new();
        encoder.encode(event, &mut out, &mut Scratch::new());
        String::from_utf8(out).unwrap()
    }

    fn fixed() -> SyslogEncoder {
        SyslogEncoder::new()
            .hostname("h")
            .app_name("app")
            .procid("7")
            .zone(Zone::utc())
    }

    #[test]
    fn severities_follow_the_levels() {
        let pri = |level| {
            let e = Event::new(Timestamp::new(0, 0), level, "t", &"m");
            let s = encode(&fixed().facility(Facility::LOCAL0), &e);
            s[1..s.find('>').unwrap()].parse::<u8>().unwrap()
        };
        assert_eq!(pri(Level::Critical), 16 * 8 + 2);
        assert_eq!(pri(Level::Error), 16 * 8 + 3);
        assert_eq!(pri(Level::Warning), 16 * 8 + 4);
        assert_eq!(pri(Level::Info), 16 * 8 + 6);
        assert_eq!(pri(Level::Debug), 16 * 8 + 7);
        assert_eq!(pri(Level::Trace), 16 * 8 + 7);
    }

    #[test]
    fn structured_data_values_are_escaped_as_rfc5424_asks() {
        let fields = [("q", Value::Str(r#"a"b\c]d"#)), ("bad key=x", Value::I64(-3))];
        let e = Event {
            fields: &fields,
            ..Event::new(Timestamp::new(0, 0), Level::Info, "t", &"m")
        };
        let s = encode(&fixed(), &e);
        assert!(s.contains(r#"q="a\"b\\c\]d""#), "{s}");
        assert!(s.contains(r#"bad_key_x="-3""#), "{s}");
    }

    #[test]
    fn user_text_cannot_break_the_message_or_reach_a_terminal() {
        let fields = [("prompt", Value::Str("x\n<13>1 forged\u{1b}[2J"))];
        let e = Event {
            fields: &fields,
            ..Event::new(Timestamp::new(0, 0), Level::Info, "t", &"line\r\nforged \u{1b}[31m")
        };
        for encoder in [fixed(), fixed().format(SyslogFormat::Rfc3164)] {
            let s = encode(&encoder, &e);
            assert!(!s.contains(['\n', '\r', '\u{1b}']), "{s:?}");
            assert!(s.contains(r"line\r\nforged \x1b[31m"), "{s}");
        }
    }

    #[test]
    fn secrets_never_reach_the_message() {
        let fields = [
            ("api_key", Value::Str("sk-abcdef1234567890abcdef")),
            ("n", Value::U64(1)),
        ];
        let e = Event {
            fields: &fields,
            ..Event::new(
                Timestamp::new(0, 0),
                Level::Info,
                "t",
                &"Authorization: Bearer abcdefghijklmnop123456",
            )
        };
        for encoder in [fixed(), fixed().format(SyslogFormat::Rfc3164)] {
            let s = encode(&encoder, &e);
            assert!(!s.contains("abcdefghijklmnop123456") && !s.contains("sk-abcdef"), "{s}");
            assert!(s.contains("[REDACTED]"), "{s}");
        }
    }

    #[test]
    fn rfc3164_has_the_bsd_header_and_fields_in_the_message() {
        let fields = [("tokens", Value::U64(5))];
        let e = Event {
            request_id: Some("req_1"),
            fields: &fields,
            ..Event::new(Timestamp::new(1_736_038_800, 0), Level::Warning, "t", &"slow")
        };
        let s = encode(&fixed().format(SyslogFormat::Rfc3164), &e);
        assert_eq!(s, "<12>Jan  5 01:00:00 h app[7]: [req_1] slow tokens=5");
        let local = encode(&fixed().format(SyslogFormat::Rfc3164).local(true), &e);
        assert_eq!(local, "<12>Jan  5 01:00:00 app[7]: [req_1] slow tokens=5");
    }

    #[test]
    fn long_messages_are_cut_on_a_character_boundary() {
        let message = "한".repeat(1000);
        let e = Event::new(Timestamp::new(0, 0), Level::Info, "t", &message);
        let encoder = fixed().max_bytes(2048);
        let mut out = Vec::new();
        assert!(encoder.encode(&e, &mut out, &mut Scratch::new()));
        assert!(out.len() <= 2048 && out.len() > 2040);
        let s = String::from_utf8(out).expect("cut on a character boundary");
        assert!(s.ends_with('한'));
    }

    #[test]
    fn oversized_structured_data_is_dropped_rather_than_cut() {
        let big = "v".repeat(300);
        let fields = [("a", Value::Str(&big))];
        let e = Event {
            fields: &fields,
            ..Event::new(Timestamp::new(0, 0), Level::Info, "t", &"message")
        };
        let s = encode(&fixed().max_bytes(128), &e);
        assert!(s.contains(" - message"), "{s}");
        assert!(s.len() <= 128);
    }

    #[test]
    fn header_fields_are_printable_ascii_within_their_limits() {
        let e = Event::new(Timestamp::new(0, 0), Level::Info, "t", &"m");
        let encoder = SyslogEncoder::new()
            .hostname("bad host\n")
            .app_name(&"a".repeat(60))
            .procid("")
            .zone(Zone::utc());
        let s = encode(&encoder, &e);
        let parts: Vec<&str> = s.splitn(7, ' ').collect();
        assert_eq!(parts[2], "bad_host_");
        assert_eq!(parts[3], "a".repeat(48));
        assert_eq!(parts[4], "-");
    }
}
