//! The `[remote.NAME]` tables of the configuration file: one remote sink each.

use std::time::Duration;

use logcore::{Config, ConfigError, ConfigSection, LevelFilter, LoggerBuilder, SinkOptions};

use crate::encode::http::HttpKind;
use crate::{
    Auth, Buffering, Facility, HttpFormat, HttpSink, HttpSinkError, RemoteSink, Secret, Source, SyslogFormat,
    SyslogSink, SyslogTransport,
};

/// The name of the configuration section; pass it to `ConfigLoader::section`.
pub const SECTION: &str = "remote";

/// A remote sink built from the configuration, with the name and filter to register it under.
#[derive(Debug)]
pub struct ConfiguredRemote {
    /// `remote:NAME` for `[remote.NAME]`.
    pub name: String,
    /// The sink.
    pub sink: RemoteSink,
    /// Its level and target filter.
    pub options: SinkOptions,
}

/// Why the remote sinks could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteError {
    /// The configuration is wrong; the message names the file, the key and what was expected.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// An HTTP sink could not be built.
    #[error("{name}: {source}")]
    Http {
        /// The sink's name.
        name: String,
        /// Why.
        source: HttpSinkError,
    },
    /// A worker thread could not start.
    #[error("{name}: could not start the sink's worker: {source}")]
    Io {
        /// The sink's name.
        name: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Builds the remote sinks `config` describes, one per `[remote.NAME]` table (none when there
/// is no `[remote]` section; a table with `enabled = false` is skipped).
///
/// ```
/// let config = logcore::ConfigLoader::new()
///     .section("remote")
///     .no_dotenv()
///     .env_vars::<String, String>([])
///     .toml_str(r#"
///         [remote.rsyslog]
///         kind = "syslog"
///         address = "udp://127.0.0.1:514"
///         facility = "local0"
///         level = "warning"
///     "#)
///     .load()?;
/// let sinks = logsink_remote::sinks_from_config(&config)?;
/// assert_eq!(sinks[0].name, "remote:rsyslog");
/// assert_eq!(sinks[0].sink.destination(), "udp://127.0.0.1:514");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sinks_from_config(config: &Config) -> Result<Vec<ConfiguredRemote>, RemoteError> {
    let Some(section) = config.section_reader(SECTION) else {
        return Ok(Vec::new());
    };
    let mut sinks = Vec::new();
    for (name, table) in section.tables()? {
        if let Some(sink) = build(name, &table)? {
            sinks.push(sink);
        }
    }
    section.finish()?;
    Ok(sinks)
}

/// Adds the remote sinks `config` describes to `builder` (see [`sinks_from_config`]).
pub fn add_to(mut builder: LoggerBuilder, config: &Config) -> Result<LoggerBuilder, RemoteError> {
    for configured in sinks_from_config(config)? {
        builder = builder.sink(configured.name, configured.sink, configured.options);
    }
    Ok(builder)
}

const KINDS: &str = "syslog, jsonlines, clickhouse, loki, elasticsearch or otlp";

fn build(name: &str, s: &ConfigSection<'_>) -> Result<Option<ConfiguredRemote>, RemoteError> {
    let sink_name = format!("{SECTION}:{name}");
    let enabled = s.bool("enabled")?.unwrap_or(true);
    let kind = s
        .string("kind")?
        .ok_or_else(|| s.bad_value("kind", "(missing)", KINDS))?;
    let mut options = SinkOptions::default().level(s.parsed::<LevelFilter>("level")?.unwrap_or(LevelFilter::TRACE));
    for prefix in s.strings("include")?.unwrap_or_default() {
        options = options.include(prefix);
    }
    for prefix in s.strings("exclude")?.unwrap_or_default() {
        options = options.exclude(prefix);
    }
    let redact = s.bool("redact")?.unwrap_or(true);
    let sink = if kind.trim().eq_ignore_ascii_case("syslog") {
        let buffering = read_buffering(s, Buffering::syslog())?;
        let transport: SyslogTransport = s
            .parsed("address")?
            .ok_or_else(|| s.bad_value("address", "(missing)", "an address such as udp://127.0.0.1:514"))?;
        let mut b = SyslogSink::builder(transport).buffering(buffering);
        if let Some(format) = s.parsed::<SyslogFormat>("format")? {
            b = b.format(format);
        }
        if let Some(facility) = s.parsed::<Facility>("facility")? {
            b = b.facility(facility);
        }
        if let Some(host) = s.string("hostname")? {
            b = b.hostname(&host);
        }
        if let Some(app) = s.string("app_name")? {
            b = b.app_name(&app);
        }
        if let Some(procid) = s.string("procid")? {
            b = b.procid(&procid);
        }
        if let Some(msgid) = s.string("msgid")? {
            b = b.msgid(&msgid);
        }
        if let Some(max) = s.size("max_message_bytes")? {
            b = b.max_message_bytes(usize::try_from(max).unwrap_or(usize::MAX));
        }
        if let Some(t) = s.seconds("connect_timeout")? {
            b = b.connect_timeout(t);
        }
        s.finish()?;
        if !enabled {
            return Ok(None);
        }
        b.build().map_err(|source| RemoteError::Io {
            name: sink_name.clone(),
            source,
        })?
    } else {
        let kind_parsed: HttpKind = kind.parse().map_err(|_| s.bad_value("kind", &kind, KINDS))?;
        let defaults = if kind_parsed == HttpKind::ClickHouse {
            Buffering::clickhouse()
        } else {
            Buffering::http()
        };
        let buffering = read_buffering(s, defaults)?;
        let url = s
            .string("url")?
            .ok_or_else(|| s.bad_value("url", "(missing)", "the collector's URL, such as http://127.0.0.1:8123"))?;
        let format = match kind_parsed {
            HttpKind::JsonLines => HttpFormat::JsonLines,
            HttpKind::ClickHouse => HttpFormat::ClickHouse {
                table: s.string("table")?.unwrap_or_else(|| "logs".to_owned()),
            },
            HttpKind::Loki => HttpFormat::Loki {
                labels: s.string_map("labels")?.unwrap_or_default(),
            },
            HttpKind::Elasticsearch => HttpFormat::Elasticsearch {
                index: s.string("index")?.unwrap_or_else(|| "logs".to_owned()),
            },
            HttpKind::Otlp => HttpFormat::Otlp,
        };
        let mut source = Source::default();
        if let Some(service) = s.string("service")? {
            source.service = service;
        }
        if let Some(host) = s.string("host")? {
            source.host = host;
        }
        let auth = read_auth(s)?;
        let mut b = HttpSink::builder(&url, format)
            .source(source)
            .auth(auth)
            .buffering(buffering)
            .redaction(redact)
            .gzip(s.bool("gzip")?.unwrap_or(false));
        for (header, value) in s.string_map("headers")?.unwrap_or_default() {
            b = b.header(&header, value);
        }
        if let Some(t) = s.seconds("timeout")? {
            b = b.timeout(t);
        }
        if let Some(t) = s.seconds("connect_timeout")? {
            b = b.connect_timeout(t);
        }
        s.finish()?;
        if !enabled {
            return Ok(None);
        }
        b.build().map_err(|source| RemoteError::Http {
            name: sink_name.clone(),
            source,
        })?
    };
    Ok(Some(ConfiguredRemote {
        name: sink_name,
        sink,
        options,
    }))
}

fn read_buffering(s: &ConfigSection<'_>, defaults: Buffering) -> Result<Buffering, ConfigError> {
    let mut b = defaults;
    let to_usize = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    if let Some(n) = s.size("capacity")? {
        if n < 4096 {
            return Err(s.bad_value(
                "capacity",
                &n.to_string(),
                "a size of at least 4 KiB, such as \"16 MiB\"",
            ));
        }
        b.capacity_bytes = to_usize(n);
    }
    if let Some(n) = s.count("batch_records")? {
        b.batch_records = n.max(1);
    }
    if let Some(n) = s.size("batch_bytes")? {
        b.batch_bytes = to_usize(n).max(1);
    }
    let set = |key, slot: &mut Duration| -> Result<(), ConfigError> {
        if let Some(d) = s.seconds(key)? {
            *slot = d;
        }
        Ok(())
    };
    set("batch_age", &mut b.batch_age)?;
    set("retry_initial", &mut b.retry_initial)?;
    set("retry_max", &mut b.retry_max)?;
    set("shutdown_timeout", &mut b.shutdown_timeout)?;
    Ok(b)
}

/// A secret given directly (`password = "..."`) or, better, by the name of the environment
/// variable that holds it (`password_env = "CLICKHOUSE_PASSWORD"`).
fn read_secret(s: &ConfigSection<'_>, key: &'static str, env_key: &'static str) -> Result<Option<Secret>, ConfigError> {
    if let Some(value) = s.string(key)? {
        return Ok(Some(Secret::new(value)));
    }
    match s.string(env_key)? {
        None => Ok(None),
        Some(var) => match std::env::var(&var) {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(_) => Err(s.bad_value(env_key, &var, "the name of an environment variable that is set")),
        },
    }
}

fn read_auth(s: &ConfigSection<'_>) -> Result<Auth, ConfigError> {
    let token = read_secret(s, "bearer_token", "bearer_token_env")?;
    let user = s.string("user")?;
    let password = read_secret(s, "password", "password_env")?;
    match (token, user, password) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(s.bad_value(
            "bearer_token",
            "[REDACTED]",
            "either a bearer token or a user and password, not both",
        )),
        (Some(token), None, None) => Ok(Auth::Bearer(token)),
        (None, Some(user), password) => Ok(Auth::Basic {
            user,
            password: password.unwrap_or_else(|| Secret::new("")),
        }),
        (None, None, Some(_)) => Err(s.bad_value("password", "[REDACTED]", "a user to go with the password")),
        (None, None, None) => Ok(Auth::None),
    }
}
