//! Reading the TOML file's keys into a [`Config`], with errors that name the key.

use std::str::FromStr;
use std::time::Duration;

use toml::{Table, Value};

use super::{Config, ConfigError, Origin, TimeZoneSetting};
use crate::{Directives, LevelFilter};

const TOP: &[&str] = &[
    "level",
    "targets",
    "log_dir",
    "timezone",
    "precision",
    "panic_hook",
    "console",
    "request",
    "perf",
    "queue",
];
const CONSOLE: &[&str] = &["enabled", "level", "stream", "color", "format"];
const REQUEST: &[&str] = &["log_body", "max_body_chars"];
const PERF: &[&str] = &["slow_operation_threshold"];
const QUEUE: &[&str] = &["capacity_bytes", "overflow", "flush_interval_ms", "shutdown_timeout_ms"];

pub(super) fn apply_toml(
    config: &mut Config,
    text: &str,
    origin: &Origin,
    sections: &[&str],
) -> Result<(), ConfigError> {
    let table: Table = text.parse().map_err(|e: toml::de::Error| ConfigError::Syntax {
        origin: origin.clone(),
        message: e.to_string().trim().replace('\n', " "),
    })?;
    apply_table(config, &table, origin, sections)
}

pub(super) fn apply_table(
    config: &mut Config,
    table: &Table,
    origin: &Origin,
    sections: &[&str],
) -> Result<(), ConfigError> {
    let top = Section {
        origin,
        prefix: "",
        table,
    };
    let mut known: Vec<&str> = TOP.to_vec();
    known.extend_from_slice(sections);
    top.check_keys(&known)?;

    if let Some(v) = top.parse("level", parse_str::<LevelFilter>)? {
        config.level = v;
    }
    if let Some(v) = top.parse("targets", parse_targets)? {
        // A bare level among the directives is the global level, unless `level` says it.
        if let (Some(level), false) = (v.default_level(), table.contains_key("level")) {
            config.level = level;
        }
        for (target, level) in v.targets() {
            config.targets.set(target, level);
        }
    }
    if let Some(v) = top.parse("log_dir", parse_string)? {
        config.log_dir = v.into();
    }
    if let Some(v) = top.parse("timezone", parse_timezone)? {
        config.timezone = v;
    }
    if let Some(v) = top.parse("precision", parse_str)? {
        config.precision = v;
    }
    if let Some(v) = top.parse("panic_hook", parse_bool)? {
        config.panic_hook = v;
    }
    if let Some(s) = top.section("console", CONSOLE)? {
        apply_console(config, &s)?;
    }
    if let Some(s) = top.section("request", REQUEST)? {
        if let Some(v) = s.parse("log_body", parse_bool)? {
            config.request.log_body = v;
        }
        if let Some(v) = s.parse("max_body_chars", parse_count)? {
            config.request.max_body_chars = Some(v);
        }
    }
    if let Some(s) = top.section("perf", PERF)? {
        if let Some(v) = s.parse("slow_operation_threshold", parse_seconds)? {
            config.perf.slow_operation_threshold = v;
        }
    }
    if let Some(s) = top.section("queue", QUEUE)? {
        apply_queue(config, &s)?;
    }
    for name in sections {
        if let Some(Value::Table(t)) = table.get(*name) {
            config.sections.insert((*name).to_owned(), (origin.clone(), t.clone()));
        } else if let Some(v) = table.get(*name) {
            return Err(top.bad(name, v, "a table"));
        }
    }
    Ok(())
}

fn apply_console(config: &mut Config, s: &Section<'_>) -> Result<(), ConfigError> {
    let c = &mut config.console;
    if let Some(v) = s.parse("enabled", parse_bool)? {
        c.enabled = v;
    }
    if let Some(v) = s.parse("level", parse_str)? {
        c.level = v;
    }
    if let Some(v) = s.parse("stream", parse_str)? {
        c.stream = v;
    }
    if let Some(v) = s.parse("color", parse_str)? {
        c.color = v;
    }
    if let Some(v) = s.parse("format", parse_str)? {
        c.format = v;
    }
    Ok(())
}

fn apply_queue(config: &mut Config, s: &Section<'_>) -> Result<(), ConfigError> {
    let q = &mut config.queue;
    if let Some(v) = s.parse("capacity_bytes", parse_capacity)? {
        q.capacity_bytes = v;
    }
    if let Some(v) = s.parse("overflow", parse_str)? {
        q.overflow = v;
    }
    if let Some(v) = s.parse("flush_interval_ms", parse_millis)? {
        q.flush_interval = v;
    }
    if let Some(v) = s.parse("shutdown_timeout_ms", parse_millis)? {
        q.shutdown_timeout = v;
    }
    Ok(())
}

/// One table of the file and its place in it, for error messages.
struct Section<'a> {
    origin: &'a Origin,
    prefix: &'a str,
    table: &'a Table,
}

impl<'a> Section<'a> {
    fn key_path(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    fn check_keys(&self, known: &[&str]) -> Result<(), ConfigError> {
        match self.table.keys().find(|k| !known.contains(&k.as_str())) {
            Some(unknown) => Err(ConfigError::UnknownKey {
                origin: self.origin.clone(),
                key: self.key_path(unknown),
                expected: known.join(", "),
            }),
            None => Ok(()),
        }
    }

    fn bad(&self, key: &str, value: &Value, expected: &str) -> ConfigError {
        ConfigError::BadValue {
            origin: self.origin.clone(),
            key: self.key_path(key),
            value: value.to_string(),
            expected: expected.to_owned(),
        }
    }

    /// The value at `key` through `parse`, which says what it expected when it fails.
    fn parse<T>(&self, key: &str, parse: impl FnOnce(&Value) -> Result<T, String>) -> Result<Option<T>, ConfigError> {
        match self.table.get(key) {
            None => Ok(None),
            Some(v) => parse(v).map(Some).map_err(|expected| self.bad(key, v, &expected)),
        }
    }

    /// The sub-table at `key`, with its keys checked against `known`.
    fn section(&self, key: &'a str, known: &[&str]) -> Result<Option<Section<'a>>, ConfigError> {
        match self.table.get(key) {
            None => Ok(None),
            Some(Value::Table(table)) => {
                let s = Section {
                    origin: self.origin,
                    prefix: key,
                    table,
                };
                s.check_keys(known)?;
                Ok(Some(s))
            }
            Some(v) => Err(self.bad(key, v, "a table")),
        }
    }
}

fn parse_string(v: &Value) -> Result<String, String> {
    v.as_str().map(str::to_owned).ok_or_else(|| "a string".to_owned())
}

fn parse_str<T: FromStr<Err = String>>(v: &Value) -> Result<T, String> {
    let text = v.as_str().ok_or_else(|| {
        // Say what the string may be, not only that it must be one.
        T::from_str("").err().unwrap_or_else(|| "a string".to_owned())
    })?;
    text.parse()
}

fn parse_bool(v: &Value) -> Result<bool, String> {
    v.as_bool().ok_or_else(|| "true or false".to_owned())
}

fn parse_count(v: &Value) -> Result<usize, String> {
    v.as_integer()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| "a whole number, 0 or more".to_owned())
}

fn parse_capacity(v: &Value) -> Result<usize, String> {
    v.as_integer()
        .and_then(|n| usize::try_from(n).ok())
        .filter(|n| (1..=crate::MAX_CAPACITY_BYTES).contains(n))
        .ok_or_else(|| format!("a whole number of bytes from 1 to {}", crate::MAX_CAPACITY_BYTES))
}

fn parse_millis(v: &Value) -> Result<Duration, String> {
    parse_count(v)
        .map(|ms| Duration::from_millis(ms as u64))
        .map_err(|_| "a whole number of milliseconds, 0 or more".to_owned())
}

fn parse_seconds(v: &Value) -> Result<Duration, String> {
    let secs = v.as_float().or_else(|| v.as_integer().map(|i| i as f64));
    secs.and_then(super::positive_seconds)
        .ok_or_else(|| super::SECONDS_EXPECTED.to_owned())
}

fn parse_targets(v: &Value) -> Result<Directives, String> {
    match v {
        Value::String(spec) => spec
            .parse()
            .map_err(|e| format!("directives such as \"info,hyper=warn\"; {e}")),
        Value::Table(t) => {
            let mut d = Directives::default();
            for (target, level) in t {
                let level = level
                    .as_str()
                    .ok_or_else(|| format!("a level name for target {target:?}"))?
                    .parse()
                    .map_err(|e| format!("for target {target:?}: {e}"))?;
                d.set(target, level);
            }
            Ok(d)
        }
        _ => Err("RUST_LOG-style directives such as \"info,hyper=warn\", or a table of target = level".to_owned()),
    }
}

pub(super) fn parse_timezone_text(text: &str) -> Result<TimeZoneSetting, String> {
    let setting = match text.trim() {
        t if t.eq_ignore_ascii_case("local") => TimeZoneSetting::Local,
        t if t.eq_ignore_ascii_case("utc") => TimeZoneSetting::Utc,
        name => TimeZoneSetting::Named(name.to_owned()),
    };
    setting
        .zone()
        .map(|_| setting)
        .map_err(|_| "local, utc, or an IANA zone name such as Asia/Seoul".to_owned())
}

fn parse_timezone(v: &Value) -> Result<TimeZoneSetting, String> {
    parse_timezone_text(
        v.as_str()
            .ok_or("local, utc, or an IANA zone name such as Asia/Seoul")?,
    )
}
