//! The `[file]` section: routing targets to separate files each with its own level, errors
//! that name the file and key, and what `stats()` reports for each file sink.

mod support;

use std::time::Duration;

use logcore::{ConfigLoader, LoggerBuilder};
use support::{clock, names, utc};

fn load(dir: &std::path::Path, toml: &str) -> Result<logcore::Config, logcore::ConfigError> {
    let path = dir.join("logging.toml");
    std::fs::write(&path, toml).unwrap();
    ConfigLoader::new()
        .file(&path)
        .section(logsink_file::SECTION)
        .no_dotenv()
        .env_vars::<String, String>([])
        .load()
}

fn emit(logger: &logcore::Logger, level: log::Level, target: &str, message: &str) {
    log::Log::log(
        logger,
        &log::Record::builder()
            .args(format_args!("{message}"))
            .level(level)
            .target(target)
            .build(),
    );
}

#[test]
fn targets_route_to_their_own_files_each_with_its_own_level() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    let config = load(
        dir.path(),
        &format!(
            r#"
            level = "debug"
            log_dir = "{}"
            timezone = "utc"
            [console]
            enabled = false
            [file]
            max_days = 7
            [file.files.app]
            exclude = ["inference_demo::engine"]
            level = "info"
            [file.files.engine]
            prefix = "vllm_engine_"
            include = ["inference_demo::engine"]
            [file.files.errors]
            level = "error"
            "#,
            logs.display()
        ),
    )
    .unwrap();
    let logger = logsink_file::add_to(LoggerBuilder::new(config.clone()), &config)
        .unwrap()
        .clock(clock(utc(2025, 1, 19, 9, 0, 0)))
        .build()
        .unwrap();
    assert_eq!(logger.sink_names(), ["file:app", "file:engine", "file:errors"]);
    emit(&logger, log::Level::Info, "inference_demo::http", "request received");
    emit(&logger, log::Level::Debug, "inference_demo::http", "headers parsed");
    emit(
        &logger,
        log::Level::Debug,
        "inference_demo::engine::sampler",
        "top-p threshold found",
    );
    emit(
        &logger,
        log::Level::Error,
        "inference_demo::engine",
        "CUDA out of memory",
    );
    assert!(logger.flush_timeout(Duration::from_secs(5)));

    assert_eq!(
        names(&logs),
        [
            "app_2025-01-19.txt",
            "errors_2025-01-19.txt",
            "vllm_engine_2025-01-19.txt"
        ]
    );
    let messages = |name: &str| support::messages(&logs.join(name));
    assert_eq!(messages("app_2025-01-19.txt"), ["request received"]);
    assert_eq!(
        messages("vllm_engine_2025-01-19.txt"),
        ["top-p threshold found", "CUDA out of memory"]
    );
    // A record goes to every file that accepts it.
    assert_eq!(messages("errors_2025-01-19.txt"), ["CUDA out of memory"]);

    let stats = logger.stats();
    assert_eq!(
        stats.log_directory.as_deref(),
        Some(logs.display().to_string().as_str())
    );
    let engine = &stats.sinks.iter().find(|s| s.name == "file:engine").unwrap().stats;
    assert_eq!(engine.kind, "file");
    assert_eq!(engine.written, 2);
    assert_eq!(
        engine.file.as_deref(),
        Some(logs.join("vllm_engine_2025-01-19.txt").display().to_string().as_str())
    );
    assert_eq!(
        engine.bytes,
        std::fs::metadata(logs.join("vllm_engine_2025-01-19.txt"))
            .unwrap()
            .len()
    );
    for counter in ["rotations", "write_errors", "lost_lines", "removed", "compressed"] {
        assert_eq!(engine.extra[counter], 0, "{counter}");
    }
    let json = serde_json::to_value(&stats).unwrap();
    assert_eq!(json["sinks"][1]["rotations"], 0, "{json}");
    assert_eq!(
        json["sinks"][1]["file"],
        logs.join("vllm_engine_2025-01-19.txt").display().to_string()
    );
}

#[test]
fn without_a_section_there_is_one_default_file_in_log_dir() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = logcore::Config::default();
    config.log_dir = dir.path().join("logs");
    let sinks = logsink_file::sinks_from_config(&config).unwrap();
    assert_eq!(sinks.len(), 1);
    assert_eq!(sinks[0].name, "file");
    assert_eq!(sinks[0].sink.directory(), dir.path().join("logs"));
}

#[test]
fn enabled_false_builds_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = load(dir.path(), "[file]\nenabled = false\n").unwrap();
    assert!(logsink_file::sinks_from_config(&config).unwrap().is_empty());
}

#[test]
fn a_misspelt_key_is_named_with_the_file_and_the_keys_that_exist() {
    let dir = tempfile::tempdir().unwrap();
    let config = load(dir.path(), "[file.files.engine]\nmax_dayz = 7\n").unwrap();
    let err = logsink_file::sinks_from_config(&config).unwrap_err().to_string();
    assert!(
        err.starts_with(&dir.path().join("logging.toml").display().to_string()),
        "{err}"
    );
    assert!(err.contains("unknown key `file.files.engine.max_dayz`"), "{err}");
    assert!(err.contains("max_days"), "{err}");
}

#[test]
fn a_bad_value_is_named_with_the_key_and_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    for (toml, key, expected) in [
        ("[file]\nmax_size = \"ten megs\"\n", "file.max_size", "a size in bytes"),
        ("[file]\nlevel = \"loud\"\n", "file.level", "one of trace, debug"),
        (
            "[file.files.app]\nmode = 640\n",
            "file.files.app.mode",
            "octal permission bits",
        ),
        ("[file]\ncompress = \"yes\"\n", "file.compress", "true or false"),
        ("[file]\nformat = \"xml\"\n", "file.format", "pipe"),
    ] {
        let config = load(dir.path(), toml).unwrap();
        let err = logsink_file::sinks_from_config(&config).unwrap_err().to_string();
        assert!(err.contains(&format!("{key} = ")), "{toml}: {err}");
        assert!(err.contains(expected), "{toml}: {err}");
    }
}

#[test]
fn two_files_with_the_same_name_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = load(
        dir.path(),
        &format!(
            "log_dir = \"{}\"\n[file.files.a]\nprefix = \"same_\"\n[file.files.b]\nprefix = \"same_\"\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let err = logsink_file::sinks_from_config(&config).unwrap_err().to_string();
    assert!(err.contains("file.files.b.prefix"), "{err}");
}
