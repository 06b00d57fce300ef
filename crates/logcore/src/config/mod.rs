//! Configuration: a TOML file, the seeds' environment variables, and a `.env` file.
//!
//! Precedence, highest first: the process environment, `.env` in the working directory, the
//! TOML file, the defaults. Unknown keys and bad values are errors that name where they came
//! from (file or variable), the key, the value and what was expected. The running logger never
//! re-reads configuration: [`LoggerBuilder`](crate::LoggerBuilder) takes a finished [`Config`].

mod env;
mod table;

pub use table::ConfigSection;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use logfmt::{Format, Precision, Zone};

use crate::{ColorMode, Directives, LevelFilter, Overflow, Stream};

pub use env::ENV_VARS;

/// Where a configuration value came from, for error messages.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// A TOML file.
    File(PathBuf),
    /// TOML text given directly (not from a file).
    Text,
    /// The process environment.
    Env,
    /// A line of a `.env` file.
    DotEnv {
        /// The file.
        path: PathBuf,
        /// Its 1-based line number.
        line: usize,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File(path) => write!(f, "{}", path.display()),
            Origin::Text => f.write_str("configuration"),
            Origin::Env => f.write_str("environment"),
            Origin::DotEnv { path, line } => write!(f, "{} line {line}", path.display()),
        }
    }
}

/// A configuration that cannot be used, and exactly why.
///
/// ```
/// use logcore::{Config, ConfigError};
/// let err = Config::from_toml_str("[console]\nlevel = \"verbose\"\n").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "configuration: console.level = \"verbose\": expected one of trace, debug, info, warning, error, critical (or off)"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A key has a value of the wrong kind or out of range.
    #[error("{}", bad_value_text(origin, key, value, expected))]
    BadValue {
        /// Where it came from.
        origin: Origin,
        /// The key (`console.level`) or variable (`LOG_LEVEL`).
        key: String,
        /// The value as given.
        value: String,
        /// What would have been accepted.
        expected: String,
    },
    /// A key that this configuration does not have.
    #[error("{origin}: unknown key `{key}`: expected one of {expected}")]
    UnknownKey {
        /// Where it came from.
        origin: Origin,
        /// The full key (`console.colour`).
        key: String,
        /// The keys that exist at that place.
        expected: String,
    },
    /// The text is not valid TOML (or a `.env` line is not `KEY=VALUE`).
    #[error("{origin}: {message}")]
    Syntax {
        /// Where it came from.
        origin: Origin,
        /// The parser's explanation.
        message: String,
    },
    /// The file could not be read.
    #[error("{}: cannot read the configuration file: {reason}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

fn bad_value_text(origin: &Origin, key: &str, value: &str, expected: &str) -> String {
    match origin {
        // `LOG_LEVEL=verbose: expected ...`, as a shell would show the variable.
        Origin::Env => format!("{key}={value}: expected {expected}"),
        Origin::DotEnv { .. } => format!("{origin}: {key}={value}: expected {expected}"),
        _ => format!("{origin}: {key} = {value}: expected {expected}"),
    }
}

/// The time zone of timestamps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TimeZoneSetting {
    /// The system's zone (`TZ`, else `/etc/localtime`); the default.
    #[default]
    Local,
    /// UTC.
    Utc,
    /// A named IANA zone such as `Asia/Seoul`.
    Named(String),
}

impl fmt::Display for TimeZoneSetting {
    /// As configured: `local`, `utc`, or the zone's name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeZoneSetting::Local => f.write_str("local"),
            TimeZoneSetting::Utc => f.write_str("utc"),
            TimeZoneSetting::Named(name) => f.write_str(name),
        }
    }
}

impl TimeZoneSetting {
    /// The zone to format with.
    pub fn zone(&self) -> Result<Zone, String> {
        match self {
            TimeZoneSetting::Local => Ok(Zone::local()),
            TimeZoneSetting::Utc => Ok(Zone::utc()),
            TimeZoneSetting::Named(name) => Zone::named(name),
        }
    }
}

/// The console sink's settings (`[console]`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConsoleConfig {
    /// Whether there is a console sink. Default `true`.
    pub enabled: bool,
    /// Its level (`CONSOLE_LOG_LEVEL`). Default `trace`: whatever the global level lets through.
    pub level: LevelFilter,
    /// stdout (default) or stderr.
    pub stream: Stream,
    /// auto (default), always or never.
    pub color: ColorMode,
    /// pipe (default), compact or json (`LOG_FORMAT`).
    pub format: Format,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig {
            enabled: true,
            level: LevelFilter::TRACE,
            stream: Stream::Stdout,
            color: ColorMode::Auto,
            format: Format::Pipe,
        }
    }
}

/// Request logging settings (`[request]`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestConfig {
    /// Whether request bodies are previewed (`LOG_REQUEST_BODY`). Default `false`.
    pub log_body: bool,
    /// Characters of a body preview (`MAX_BODY_SIZE_LOG`). Default unset: 100 at INFO, 500
    /// when DEBUG is on.
    pub max_body_chars: Option<usize>,
}

/// Performance monitoring settings (`[perf]`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PerfConfig {
    /// An operation slower than this is logged as a WARNING (`SLOW_OPERATION_THRESHOLD`,
    /// seconds). Default 2 s.
    pub slow_operation_threshold: Duration,
    /// Slow thresholds of single operations (`[perf.slow_operations]`, seconds by operation
    /// name), over the one above. Default none.
    pub slow_operations: BTreeMap<String, Duration>,
    /// How often the periodic throughput line is written (`PERF_REPORT_INTERVAL`, seconds).
    /// Default 10 s.
    pub report_interval: Duration,
    /// The prefix of the standard metric names (`llm_`; `vllm:` matches vLLM's dashboards).
    pub metrics_namespace: String,
}

impl Default for PerfConfig {
    fn default() -> Self {
        PerfConfig {
            slow_operation_threshold: Duration::from_secs(2),
            slow_operations: BTreeMap::new(),
            report_interval: Duration::from_secs(10),
            metrics_namespace: "llm_".to_owned(),
        }
    }
}

/// Settings of the non-blocking workers (`[queue]`), used by every sink that has one.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueueConfig {
    /// The bound of each sink's buffer. Default 1 MiB.
    pub capacity_bytes: usize,
    /// block (default: nothing lost) or drop.
    pub overflow: Overflow,
    /// The longest a line waits in an idle worker. Default 50 ms.
    pub flush_interval: Duration,
    /// How long shutdown waits for a sink to drain. Default 5 s.
    pub shutdown_timeout: Duration,
}

impl QueueConfig {
    /// A worker builder with these settings and the thread name `thread_name`.
    pub fn builder(&self, thread_name: &str) -> crate::NonBlockingBuilder {
        crate::NonBlockingBuilder::default()
            .capacity_bytes(self.capacity_bytes)
            .overflow(self.overflow)
            .flush_interval(self.flush_interval)
            .shutdown_timeout(self.shutdown_timeout)
            .thread_name(thread_name)
    }
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            capacity_bytes: 1 << 20,
            overflow: Overflow::Block,
            flush_interval: Duration::from_millis(50),
            shutdown_timeout: Duration::from_secs(5),
        }
    }
}

/// The logger's configuration. See `docs/configuration.md` for every key.
///
/// ```
/// use logcore::{Config, LevelFilter};
/// let config = Config::from_toml_str(r#"
///     level = "debug"
///     targets = "hyper=warn"
///     [console]
///     level = "info"
/// "#).unwrap();
/// assert_eq!(config.level, LevelFilter::DEBUG);
/// assert_eq!(config.console.level, LevelFilter::INFO);
/// assert_eq!(config.targets.level_for("hyper::proto"), Some(LevelFilter::WARNING));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Config {
    /// The global level (`LOG_LEVEL`). Default `info`.
    pub level: LevelFilter,
    /// Per-target levels (`RUST_LOG` syntax; `targets` in the file).
    pub targets: Directives,
    /// Where file sinks write (`LOG_DIR`). Default `logs`.
    pub log_dir: PathBuf,
    /// The zone of timestamps. Default local.
    pub timezone: TimeZoneSetting,
    /// seconds (default), ms or us.
    pub precision: Precision,
    /// Whether `install` sets the panic hook. Default `true`.
    pub panic_hook: bool,
    /// `NO_COLOR` was set: `auto` colour turns off.
    pub no_color: bool,
    /// The console sink.
    pub console: ConsoleConfig,
    /// Request logging.
    pub request: RequestConfig,
    /// Performance monitoring.
    pub perf: PerfConfig,
    /// Non-blocking workers.
    pub queue: QueueConfig,
    sections: BTreeMap<String, (Origin, toml::Table)>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            level: LevelFilter::INFO,
            targets: Directives::default(),
            log_dir: PathBuf::from("logs"),
            timezone: TimeZoneSetting::Local,
            precision: Precision::Seconds,
            panic_hook: true,
            no_color: false,
            console: ConsoleConfig::default(),
            request: RequestConfig::default(),
            perf: PerfConfig::default(),
            queue: QueueConfig::default(),
            sections: BTreeMap::new(),
        }
    }
}

impl Config {
    /// The defaults overlaid with the environment and `./.env` (no file).
    pub fn from_env() -> Result<Config, ConfigError> {
        ConfigLoader::new().load()
    }

    /// The defaults overlaid with TOML text only (no environment).
    pub fn from_toml_str(text: &str) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        table::apply_toml(&mut config, text, &Origin::Text, &[])?;
        Ok(config)
    }

    /// A reader for the extension section `name` (such as `[file]`), when the loader was told
    /// of it with [`ConfigLoader::section`] and the file has it. Its errors name the file, the
    /// key and what was expected.
    pub fn section_reader(&self, name: &str) -> Option<ConfigSection<'_>> {
        let (origin, table) = self.sections.get(name)?;
        Some(ConfigSection::new(origin, name.to_owned(), table))
    }

    /// The extension section `name` (such as `[file]` for `logsink-file`), deserialised, when
    /// the loader was told of it with [`ConfigLoader::section`] and the file has it.
    pub fn section<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<Option<T>, ConfigError> {
        let Some((origin, table)) = self.sections.get(name) else {
            return Ok(None);
        };
        T::deserialize(toml::Value::Table(table.clone()))
            .map(Some)
            .map_err(|e| ConfigError::Syntax {
                origin: origin.clone(),
                message: format!("[{name}]: {}", e.to_string().trim()),
            })
    }
}

impl<'de> serde::Deserialize<'de> for Config {
    /// Reads the same keys as a configuration file, with the same checks.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let table = toml::Table::deserialize(deserializer)?;
        let mut config = Config::default();
        table::apply_table(&mut config, &table, &Origin::Text, &[]).map_err(serde::de::Error::custom)?;
        Ok(config)
    }
}

/// Reads a [`Config`] from a file, `.env` and the environment.
///
/// ```no_run
/// let config = logcore::ConfigLoader::new()
///     .file("logging.toml")
///     .section("file")
///     .load()?;
/// # Ok::<(), logcore::ConfigError>(())
/// ```
#[derive(Clone, Debug)]
pub struct ConfigLoader {
    file: Option<(PathBuf, bool)>,
    text: Option<String>,
    env: Option<Vec<(String, String)>>,
    // The `.env` file, and whether it must exist.
    dotenv: Option<(PathBuf, bool)>,
    sections: Vec<String>,
}

impl Default for ConfigLoader {
    fn default() -> Self {
        ConfigLoader {
            file: None,
            text: None,
            env: None,
            dotenv: Some((PathBuf::from(".env"), false)),
            sections: Vec::new(),
        }
    }
}

impl ConfigLoader {
    /// No file, the process environment, and `./.env` when present.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads this TOML file; a missing file is an error.
    #[must_use]
    pub fn file(mut self, path: impl Into<PathBuf>) -> Self {
        self.file = Some((path.into(), true));
        self
    }

    /// Reads this TOML file when it exists.
    #[must_use]
    pub fn optional_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.file = Some((path.into(), false));
        self
    }

    /// Reads this TOML text (after the file, if any): for tests and for configuration that
    /// does not live in a file. Its errors name `configuration` as their origin.
    #[must_use]
    pub fn toml_str(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    /// Uses these variables instead of the process environment (for tests and embedding).
    #[must_use]
    pub fn env_vars<K: Into<String>, V: Into<String>>(mut self, vars: impl IntoIterator<Item = (K, V)>) -> Self {
        self.env = Some(vars.into_iter().map(|(k, v)| (k.into(), v.into())).collect());
        self
    }

    /// Reads a `.env` file at `path` instead of `./.env`; a missing file is an error.
    #[must_use]
    pub fn dotenv(mut self, path: impl Into<PathBuf>) -> Self {
        self.dotenv = Some((path.into(), true));
        self
    }

    /// Reads no `.env` file.
    #[must_use]
    pub fn no_dotenv(mut self) -> Self {
        self.dotenv = None;
        self
    }

    /// Accepts a top-level table `[name]` that another crate reads with [`Config::section`].
    #[must_use]
    pub fn section(mut self, name: impl Into<String>) -> Self {
        self.sections.push(name.into());
        self
    }

    /// Reads everything and checks it.
    pub fn load(self) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        let sections: Vec<&str> = self.sections.iter().map(String::as_str).collect();
        if let Some((path, required)) = &self.file
            && let Some(text) = read_file(path, *required)?
        {
            table::apply_toml(&mut config, &text, &Origin::File(path.clone()), &sections)?;
        }
        if let Some(text) = &self.text {
            table::apply_toml(&mut config, text, &Origin::Text, &sections)?;
        }
        let dotenv = match &self.dotenv {
            Some((path, required)) => read_file(path, *required)?.map(|text| (path.as_path(), text)),
            None => None,
        };
        let vars = env::collect(self.env, dotenv)?;
        env::apply(&mut config, &vars)?;
        Ok(config)
    }
}

/// One of `choices` by name, case-insensitively; the error lists the names (as the
/// configuration errors show them: `one of auto, always, never`).
pub(crate) fn parse_choice<T: Copy>(text: &str, choices: &[(&str, T)]) -> Result<T, String> {
    let text = text.trim();
    choices
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(text))
        .map(|(_, value)| *value)
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
            format!("one of {}", names.join(", "))
        })
}

/// A positive, finite number of seconds as a `Duration`, or `None` (never a panic: a
/// duration too long to represent is refused).
pub(crate) fn positive_seconds(secs: f64) -> Option<Duration> {
    if secs.is_finite() && secs > 0.0 {
        Duration::try_from_secs_f64(secs).ok()
    } else {
        None
    }
}

/// What a valid number of seconds looks like, for error messages.
const SECONDS_EXPECTED: &str = "a number of seconds greater than 0, such as 2.0";

fn read_file(path: &Path, required: bool) -> Result<Option<String>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => Ok(None),
        Err(e) => Err(ConfigError::Read {
            path: path.to_owned(),
            reason: e.to_string(),
        }),
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
