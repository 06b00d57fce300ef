//! The environment variables the seeds use, read from the process and from `.env`.
//!
//! The process environment wins over `.env`, as with every dotenv loader; an empty variable
//! counts as unset. `.env` is parsed here, not loaded into the process: changing the
//! environment of a running multi-threaded program is not safe.

use std::path::Path;

use super::{Config, ConfigError, Origin, table::parse_timezone_text};
use crate::{Directives, LevelFilter};

/// Every variable read, with what it sets.
pub const ENV_VARS: &[(&str, &str)] = &[
    (
        "LOG_LEVEL",
        "global level: trace, debug, info, warning, error, critical or off",
    ),
    ("CONSOLE_LOG_LEVEL", "console sink level"),
    (
        "RUST_LOG",
        "per-target levels, e.g. info,hyper=warn,inference_demo::engine=debug",
    ),
    ("LOG_DIR", "directory of log files"),
    ("LOG_FORMAT", "console format: pipe, compact or json"),
    ("LOG_COLOR", "console colour: auto, always or never"),
    ("LOG_TIMEZONE", "local, utc or an IANA zone name"),
    (
        "SLOW_OPERATION_THRESHOLD",
        "seconds after which an operation is logged as slow",
    ),
    ("PERF_REPORT_INTERVAL", "seconds between the periodic throughput lines"),
    (
        "LOG_REQUEST_BODY",
        "whether request bodies are previewed: true or false",
    ),
    ("MAX_BODY_SIZE_LOG", "characters of a request body preview"),
    ("NO_COLOR", "any non-empty value turns automatic colour off"),
];

/// A variable's value and where it came from.
pub(super) struct Var {
    name: String,
    value: String,
    origin: Origin,
}

/// The variables we read, from `.env` first and then the environment over them.
pub(super) fn collect(
    env: Option<Vec<(String, String)>>,
    dotenv: Option<(&Path, String)>,
) -> Result<Vec<Var>, ConfigError> {
    let mut vars = match dotenv {
        Some((path, text)) => parse_dotenv(&text, path)?,
        None => Vec::new(),
    };
    let process: Vec<(String, String)> = match env {
        Some(given) => given,
        None => std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.to_string_lossy().into_owned())))
            .collect(),
    };
    for (name, value) in process {
        if ENV_VARS.iter().any(|(known, _)| *known == name) && !value.is_empty() {
            vars.retain(|v: &Var| v.name != name);
            vars.push(Var {
                name,
                value,
                origin: Origin::Env,
            });
        }
    }
    Ok(vars)
}

/// `KEY=VALUE` lines; `#` comments, blank lines, `export KEY=...` and quoted values allowed.
fn parse_dotenv(text: &str, path: &Path) -> Result<Vec<Var>, ConfigError> {
    let mut vars = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let origin = Origin::DotEnv {
            path: path.to_owned(),
            line: index + 1,
        };
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((name, value)) = line.split_once('=') else {
            return Err(ConfigError::Syntax {
                origin,
                message: format!("expected KEY=VALUE, found {raw:?}"),
            });
        };
        let (name, value) = (name.trim(), unquote(value.trim()));
        if ENV_VARS.iter().any(|(known, _)| *known == name) && !value.is_empty() {
            vars.retain(|v: &Var| v.name != name);
            vars.push(Var {
                name: name.to_owned(),
                value,
                origin,
            });
        }
    }
    Ok(vars)
}

fn unquote(value: &str) -> String {
    for quote in ['"', '\''] {
        // `"value" # comment`: the value is what the quotes hold.
        if let Some((inner, _)) = value.strip_prefix(quote).and_then(|v| v.split_once(quote)) {
            return inner.to_owned();
        }
    }
    // An unquoted value ends at a comment.
    match value.find(" #") {
        Some(i) => value[..i].trim_end().to_owned(),
        None => value.to_owned(),
    }
}

pub(super) fn apply(config: &mut Config, vars: &[Var]) -> Result<(), ConfigError> {
    // A bare level in RUST_LOG sets the global level unless LOG_LEVEL comes from a source at
    // least as strong (the environment beats .env).
    let strength = |origin: &Origin| u8::from(matches!(origin, Origin::Env));
    let log_level_strength = vars
        .iter()
        .filter(|v| v.name == "LOG_LEVEL")
        .map(|v| strength(&v.origin))
        .max();
    for var in vars {
        let bad = |expected: &str| ConfigError::BadValue {
            origin: var.origin.clone(),
            key: var.name.clone(),
            value: var.value.clone(),
            expected: expected.to_owned(),
        };
        let value = var.value.trim();
        match var.name.as_str() {
            "LOG_LEVEL" => config.level = value.parse::<LevelFilter>().map_err(|e| bad(&e))?,
            "CONSOLE_LOG_LEVEL" => config.console.level = value.parse::<LevelFilter>().map_err(|e| bad(&e))?,
            "RUST_LOG" => {
                let d: Directives = value
                    .parse()
                    .map_err(|e: String| bad(&format!("directives such as info,hyper=warn; {e}")))?;
                let outranked = log_level_strength.is_some_and(|l| l >= strength(&var.origin));
                if let (Some(level), false) = (d.default_level(), outranked) {
                    config.level = level;
                }
                for (target, level) in d.targets() {
                    config.targets.set(target, level);
                }
            }
            "LOG_DIR" => config.log_dir = value.into(),
            "LOG_FORMAT" => config.console.format = value.parse().map_err(|e: String| bad(&e))?,
            "LOG_COLOR" => config.console.color = value.parse().map_err(|e: String| bad(&e))?,
            "LOG_TIMEZONE" => config.timezone = parse_timezone_text(value).map_err(|e| bad(&e))?,
            "SLOW_OPERATION_THRESHOLD" => {
                config.perf.slow_operation_threshold = value
                    .parse::<f64>()
                    .ok()
                    .and_then(super::positive_seconds)
                    .ok_or_else(|| bad(super::SECONDS_EXPECTED))?;
            }
            "PERF_REPORT_INTERVAL" => {
                config.perf.report_interval = value
                    .parse::<f64>()
                    .ok()
                    .and_then(super::positive_seconds)
                    .ok_or_else(|| bad(super::SECONDS_EXPECTED))?;
            }
            "LOG_REQUEST_BODY" => {
                config.request.log_body =
                    parse_bool(value).ok_or_else(|| bad("true or false (also 1/0, yes/no, on/off)"))?
            }
            "MAX_BODY_SIZE_LOG" => {
                config.request.max_body_chars = Some(
                    value
                        .parse()
                        .map_err(|_| bad("a whole number of characters, 0 or more"))?,
                )
            }
            "NO_COLOR" => config.no_color = true,
            _ => {}
        }
    }
    Ok(())
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}
