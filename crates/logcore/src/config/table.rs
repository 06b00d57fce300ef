//! Reading the TOML file's keys into a [`Config`], with errors that name the key.

use std::cell::RefCell;
use std::str::FromStr;
use std::time::Duration;

use toml::{Table, Value};

use super::{Config, ConfigError, Origin, TimeZoneSetting};
use crate::Directives;

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

/// Reads every key this crate knows; the keys read are the keys known, so a key in the file
/// that nothing read is reported as unknown with the list of those that exist.
pub(super) fn apply_table(
    config: &mut Config,
    table: &Table,
    origin: &Origin,
    sections: &[&str],
) -> Result<(), ConfigError> {
    let top = ConfigSection::new(origin, String::new(), table);
    top.set("level", parse_str, &mut config.level)?;
    if let Some(v) = top.value("targets", parse_targets)? {
        // A bare level among the directives is the global level, unless `level` says it.
        if let (Some(level), false) = (v.default_level(), table.contains_key("level")) {
            config.level = level;
        }
        for (target, level) in v.targets() {
            config.targets.set(target, level);
        }
    }
    if let Some(dir) = top.value("log_dir", parse_string)? {
        config.log_dir = dir.into();
    }
    top.set("timezone", parse_timezone, &mut config.timezone)?;
    top.set("precision", parse_str, &mut config.precision)?;
    top.set("panic_hook", parse_bool, &mut config.panic_hook)?;
    if let Some(s) = top.table("console")? {
        let c = &mut config.console;
        s.set("enabled", parse_bool, &mut c.enabled)?;
        s.set("level", parse_str, &mut c.level)?;
        s.set("stream", parse_str, &mut c.stream)?;
        s.set("color", parse_str, &mut c.color)?;
        s.set("format", parse_str, &mut c.format)?;
        s.finish()?;
    }
    if let Some(s) = top.table("request")? {
        s.set("log_body", parse_bool, &mut config.request.log_body)?;
        s.set(
            "max_body_chars",
            |v| parse_count(v).map(Some),
            &mut config.request.max_body_chars,
        )?;
        s.finish()?;
    }
    if let Some(s) = top.table("perf")? {
        s.set(
            "slow_operation_threshold",
            parse_seconds,
            &mut config.perf.slow_operation_threshold,
        )?;
        s.set("report_interval", parse_seconds, &mut config.perf.report_interval)?;
        s.set("metrics_namespace", parse_namespace, &mut config.perf.metrics_namespace)?;
        if let Some(ops) = s.table("slow_operations")? {
            for (name, value) in ops.table {
                let threshold = parse_seconds(value).map_err(|e| ops.bad_value(name, &value.to_string(), &e))?;
                config.perf.slow_operations.insert(name.clone(), threshold);
            }
        }
        s.finish()?;
    }
    if let Some(s) = top.table("queue")? {
        let q = &mut config.queue;
        s.set("capacity_bytes", parse_capacity, &mut q.capacity_bytes)?;
        s.set("overflow", parse_str, &mut q.overflow)?;
        s.set("flush_interval_ms", parse_millis, &mut q.flush_interval)?;
        s.set("shutdown_timeout_ms", parse_millis, &mut q.shutdown_timeout)?;
        s.finish()?;
    }
    for name in sections {
        // Another crate's table: kept whole for it to read (and check) itself.
        if let Some(s) = top.table(name)? {
            config
                .sections
                .insert((*name).to_owned(), (origin.clone(), s.table.clone()));
        }
    }
    top.finish()
}

/// One table of a configuration file and its place in it, for reading an extension section
/// (such as `[file]`) with errors that name the file, the key and what was expected. It
/// remembers the keys asked for, which are the keys that exist there, so that
/// [`finish`](Self::finish) can name a misspelt key and list the right ones.
///
/// ```
/// use logcore::ConfigLoader;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("logging.toml");
/// std::fs::write(&path, "[file]\nmax_days = -3\n").unwrap();
/// let config = ConfigLoader::new().file(&path).section("file").no_dotenv().env_vars::<String, String>([]).load().unwrap();
/// let file = config.section_reader("file").unwrap();
/// let err = file.count("max_days").unwrap_err();
/// assert!(err.to_string().ends_with("logging.toml: file.max_days = -3: expected a whole number, 0 or more"), "{err}");
/// ```
#[derive(Debug)]
pub struct ConfigSection<'a> {
    origin: &'a Origin,
    prefix: String,
    table: &'a Table,
    asked: RefCell<Vec<&'a str>>,
}

impl<'a> ConfigSection<'a> {
    pub(super) fn new(origin: &'a Origin, prefix: String, table: &'a Table) -> Self {
        ConfigSection {
            origin,
            prefix,
            table,
            asked: RefCell::new(Vec::new()),
        }
    }

    /// Where the section came from.
    pub fn origin(&self) -> &'a Origin {
        self.origin
    }

    /// The section's dotted path (`file.files.engine`).
    pub fn path(&self) -> &str {
        &self.prefix
    }

    /// The string at `key`.
    pub fn string(&self, key: &'a str) -> Result<Option<String>, ConfigError> {
        self.value(key, parse_string)
    }

    /// The string at `key`, parsed with `T`'s `FromStr`, whose error says what it expected.
    pub fn parsed<T: FromStr<Err = String>>(&self, key: &'a str) -> Result<Option<T>, ConfigError> {
        self.value(key, parse_str)
    }

    /// The boolean at `key`.
    pub fn bool(&self, key: &'a str) -> Result<Option<bool>, ConfigError> {
        self.value(key, parse_bool)
    }

    /// The whole number, 0 or more, at `key`.
    pub fn count(&self, key: &'a str) -> Result<Option<usize>, ConfigError> {
        self.value(key, parse_count)
    }

    /// The array of strings at `key` (a single string is taken as an array of one).
    pub fn strings(&self, key: &'a str) -> Result<Option<Vec<String>>, ConfigError> {
        self.value(key, |v| match v {
            Value::String(s) => Ok(vec![s.clone()]),
            Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| "an array of strings".to_owned()),
            _ => Err("an array of strings".to_owned()),
        })
    }

    /// Every entry of this table as a sub-table (`[file.files.app]`, `[file.files.engine]`),
    /// in order; an entry that is not a table is an error naming it.
    pub fn tables(&self) -> Result<Vec<(&'a str, ConfigSection<'a>)>, ConfigError> {
        self.table
            .keys()
            .map(|key| {
                let key = key.as_str();
                self.table(key).map(|s| (key, s.expect("the key exists")))
            })
            .collect()
    }

    /// Fails on the first key of the table that nothing asked for, listing those that exist.
    pub fn finish(&self) -> Result<(), ConfigError> {
        let known = self.asked.borrow();
        match self.table.keys().find(|k| !known.contains(&k.as_str())) {
            Some(unknown) => Err(ConfigError::UnknownKey {
                origin: self.origin.clone(),
                key: self.key_path(unknown),
                expected: known.join(", "),
            }),
            None => Ok(()),
        }
    }

    /// An error for `value` at `key`, which should have been `expected`.
    pub fn bad_value(&self, key: &str, value: &str, expected: &str) -> ConfigError {
        ConfigError::BadValue {
            origin: self.origin.clone(),
            key: self.key_path(key),
            value: value.to_owned(),
            expected: expected.to_owned(),
        }
    }

    fn key_path(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    /// The value at `key` through `parse`, which returns what it expected when it fails.
    pub fn value<T>(
        &self,
        key: &'a str,
        parse: impl FnOnce(&Value) -> Result<T, String>,
    ) -> Result<Option<T>, ConfigError> {
        self.asked.borrow_mut().push(key);
        match self.table.get(key) {
            None => Ok(None),
            Some(v) => parse(v)
                .map(Some)
                .map_err(|expected| self.bad_value(key, &v.to_string(), &expected)),
        }
    }

    /// Stores the value at `key`, when there is one, in `slot`.
    fn set<T>(
        &self,
        key: &'a str,
        parse: impl FnOnce(&Value) -> Result<T, String>,
        slot: &mut T,
    ) -> Result<(), ConfigError> {
        if let Some(v) = self.value(key, parse)? {
            *slot = v;
        }
        Ok(())
    }

    /// A size in bytes at `key`: `10485760`, `"10 MiB"`, `"100MB"`, `"512k"` (units k, M, G,
    /// with or without `i`/`B`, all taken as powers of 1024).
    pub fn size(&self, key: &'a str) -> Result<Option<u64>, ConfigError> {
        self.value(key, parse_size)
    }

    /// A duration at `key`, in seconds (`2`, `0.25`): finite and greater than 0.
    pub fn seconds(&self, key: &'a str) -> Result<Option<Duration>, ConfigError> {
        self.value(key, parse_seconds)
    }

    /// A table of strings at `key` (`{ "X-Scope-OrgID" = "tenant-1" }`), in key order.
    pub fn string_map(&self, key: &'a str) -> Result<Option<Vec<(String, String)>>, ConfigError> {
        self.value(key, |v| {
            const EXPECTED: &str = "a table of strings, such as { env = \"prod\" }";
            let table = v.as_table().ok_or(EXPECTED)?;
            table
                .iter()
                .map(|(k, v)| {
                    v.as_str()
                        .map(|v| (k.clone(), v.to_owned()))
                        .ok_or_else(|| EXPECTED.to_owned())
                })
                .collect()
        })
    }

    /// The sub-table at `key`; the caller reads its keys and calls `finish`.
    pub fn table(&self, key: &'a str) -> Result<Option<ConfigSection<'a>>, ConfigError> {
        self.asked.borrow_mut().push(key);
        match self.table.get(key) {
            None => Ok(None),
            Some(Value::Table(table)) => Ok(Some(ConfigSection::new(self.origin, self.key_path(key), table))),
            Some(v) => Err(self.bad_value(key, &v.to_string(), "a table")),
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

/// `10485760`, `"10 MiB"`, `"100MB"`, `"512k"`: bytes, with an optional unit (k/M/G, with or
/// without `i`/`B`, all taken as powers of 1024).
pub(crate) fn parse_size(v: &toml::Value) -> Result<u64, String> {
    const EXPECTED: &str = "a size in bytes such as 10485760 or \"10 MiB\" (units k, M, G; 0 for no limit)";
    match v {
        toml::Value::Integer(n) => u64::try_from(*n).map_err(|_| EXPECTED.to_owned()),
        toml::Value::String(s) => {
            let s = s.trim();
            let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
            let (number, unit) = s.split_at(split);
            let number: u64 = number.parse().map_err(|_| EXPECTED.to_owned())?;
            let shift = match unit.trim().to_ascii_lowercase().as_str() {
                "" | "b" => 0,
                "k" | "kb" | "kib" => 10,
                "m" | "mb" | "mib" => 20,
                "g" | "gb" | "gib" => 30,
                _ => return Err(EXPECTED.to_owned()),
            };
            number.checked_mul(1 << shift).ok_or_else(|| EXPECTED.to_owned())
        }
        _ => Err(EXPECTED.to_owned()),
    }
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

/// A Prometheus metric name prefix: `[a-zA-Z_:][a-zA-Z0-9_:]*`, or empty.
fn parse_namespace(v: &Value) -> Result<String, String> {
    const EXPECTED: &str =
        "a metric name prefix of letters, digits, '_' and ':', not starting with a digit, such as \"llm_\"";
    let text = v.as_str().ok_or(EXPECTED)?;
    let ok = text
        .bytes()
        .enumerate()
        .all(|(i, b)| b.is_ascii_alphabetic() || b == b'_' || b == b':' || (i > 0 && b.is_ascii_digit()));
    if ok {
        Ok(text.to_owned())
    } else {
        Err(EXPECTED.to_owned())
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_with_units() {
        let v = |s: &str| parse_size(&Value::String(s.into()));
        assert_eq!(v("10 MiB"), Ok(10 << 20));
        assert_eq!(v("100MB"), Ok(100 << 20));
        assert_eq!(v("512k"), Ok(512 << 10));
        assert_eq!(v("2G"), Ok(2 << 30));
        assert_eq!(v("77"), Ok(77));
        assert_eq!(parse_size(&Value::Integer(4096)), Ok(4096));
        assert!(v("ten MiB").is_err());
        assert!(v("10 parsecs").is_err());
        assert!(parse_size(&Value::Integer(-1)).is_err());
    }
}
