//! Configuration tests: every error names what is wrong; precedence is env > .env > file.

use std::time::Duration;

use super::*;

fn env_only(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    ConfigLoader::new().no_dotenv().env_vars(vars.iter().copied()).load()
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn defaults_are_the_documented_ones() {
    let c = env_only(&[]).unwrap();
    assert_eq!(c.level, LevelFilter::INFO);
    assert_eq!(c.console.level, LevelFilter::TRACE);
    assert_eq!(c.log_dir, PathBuf::from("logs"));
    assert_eq!(c.perf.slow_operation_threshold, Duration::from_secs(2));
    assert!(!c.request.log_body);
    assert_eq!(c.request.max_body_chars, None);
    assert_eq!(c.queue.overflow, Overflow::Block);
    assert!(c.panic_hook && !c.no_color);
}

#[test]
fn the_seeds_variables_are_read() {
    let c = env_only(&[
        ("LOG_LEVEL", "DEBUG"),
        ("CONSOLE_LOG_LEVEL", "Warn"),
        ("LOG_DIR", "/var/log/llm"),
        ("SLOW_OPERATION_THRESHOLD", "0.5"),
        ("LOG_REQUEST_BODY", "true"),
        ("MAX_BODY_SIZE_LOG", "1000"),
        ("RUST_LOG", "hyper=warn,inference_demo::engine=debug"),
        ("NO_COLOR", "1"),
        ("LOG_FORMAT", "compact"),
        ("LOG_COLOR", "always"),
        ("LOG_TIMEZONE", "UTC"),
        ("UNRELATED", "ignored"),
    ])
    .unwrap();
    assert_eq!(c.level, LevelFilter::DEBUG);
    assert_eq!(c.console.level, LevelFilter::WARNING);
    assert_eq!(c.log_dir, PathBuf::from("/var/log/llm"));
    assert_eq!(c.perf.slow_operation_threshold, Duration::from_millis(500));
    assert!(c.request.log_body);
    assert_eq!(c.request.max_body_chars, Some(1000));
    assert_eq!(c.targets.level_for("hyper"), Some(LevelFilter::WARNING));
    assert_eq!(c.targets.level_for("inference_demo::engine"), Some(LevelFilter::DEBUG));
    assert!(c.no_color);
    assert_eq!(c.console.format, Format::Compact);
    assert_eq!(c.console.color, ColorMode::Always);
    assert_eq!(c.timezone, TimeZoneSetting::Utc);
}

#[test]
fn each_bad_variable_names_itself_its_value_and_what_was_expected() {
    let cases = [
        (
            ("LOG_LEVEL", "verbose"),
            "LOG_LEVEL=verbose: expected one of trace, debug, info, warning, error, critical (or off)",
        ),
        (
            ("CONSOLE_LOG_LEVEL", "loud"),
            "CONSOLE_LOG_LEVEL=loud: expected one of trace, debug, info, warning, error, critical (or off)",
        ),
        (
            ("SLOW_OPERATION_THRESHOLD", "-1"),
            "SLOW_OPERATION_THRESHOLD=-1: expected a number of seconds greater than 0, such as 2.0",
        ),
        (
            ("LOG_REQUEST_BODY", "maybe"),
            "LOG_REQUEST_BODY=maybe: expected true or false (also 1/0, yes/no, on/off)",
        ),
        (
            ("MAX_BODY_SIZE_LOG", "lots"),
            "MAX_BODY_SIZE_LOG=lots: expected a whole number of characters, 0 or more",
        ),
        (
            ("LOG_FORMAT", "xml"),
            "LOG_FORMAT=xml: expected one of pipe, compact, json",
        ),
        (
            ("LOG_COLOR", "rainbow"),
            "LOG_COLOR=rainbow: expected one of auto, always, never",
        ),
        (
            ("LOG_TIMEZONE", "Mars/Olympus"),
            "LOG_TIMEZONE=Mars/Olympus: expected local, utc, or an IANA zone name such as Asia/Seoul",
        ),
    ];
    for ((name, value), message) in cases {
        assert_eq!(env_only(&[(name, value)]).unwrap_err().to_string(), message);
    }
    let err = env_only(&[("RUST_LOG", "hyper=noisy")]).unwrap_err().to_string();
    assert_eq!(
        err,
        "RUST_LOG=hyper=noisy: expected directives such as info,hyper=warn; \"hyper=noisy\": level \"noisy\": expected one of trace, debug, info, warning, error, critical (or off)"
    );
}

#[test]
fn level_names_ignore_case_and_accept_warn_and_warning() {
    for (text, level) in [
        ("warn", LevelFilter::WARNING),
        ("WARNING", LevelFilter::WARNING),
        ("Critical", LevelFilter::CRITICAL),
        ("OFF", LevelFilter::Off),
    ] {
        assert_eq!(env_only(&[("LOG_LEVEL", text)]).unwrap().level, level);
    }
}

#[test]
fn empty_variables_count_as_unset() {
    assert_eq!(env_only(&[("LOG_LEVEL", "")]).unwrap().level, LevelFilter::INFO);
}

#[test]
fn rust_log_bare_level_yields_to_log_level() {
    assert_eq!(env_only(&[("RUST_LOG", "debug")]).unwrap().level, LevelFilter::DEBUG);
    let both = env_only(&[("RUST_LOG", "debug,hyper=warn"), ("LOG_LEVEL", "error")]).unwrap();
    assert_eq!(both.level, LevelFilter::ERROR);
    assert_eq!(both.targets.level_for("hyper"), Some(LevelFilter::WARNING));
}

#[test]
fn file_errors_name_the_file_the_key_and_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "level = \"verbose\"\n",
            "level = \"verbose\": expected one of trace, debug, info, warning, error, critical (or off)",
        ),
        (
            "[console]\ncolor = \"sometimes\"\n",
            "console.color = \"sometimes\": expected one of auto, always, never",
        ),
        (
            "[console]\nenabled = \"yes\"\n",
            "console.enabled = \"yes\": expected true or false",
        ),
        (
            "[queue]\ncapacity_bytes = -5\n",
            "queue.capacity_bytes = -5: expected a whole number of bytes from 1 to 1073741824",
        ),
        (
            "[perf]\nslow_operation_threshold = 0\n",
            "perf.slow_operation_threshold = 0: expected a number of seconds greater than 0, such as 2.0",
        ),
        (
            "[perf]\nmetrics_namespace = \"my-app\"\n",
            "perf.metrics_namespace = \"my-app\": expected a metric name prefix of letters, digits, '_' and ':'",
        ),
        (
            "[perf.slow_operations]\nmodel_loading = \"long\"\n",
            "perf.slow_operations.model_loading = \"long\": expected a number of seconds greater than 0",
        ),
        (
            "level = 3\n",
            "level = 3: expected one of trace, debug, info, warning, error, critical (or off)",
        ),
        ("console = 1\n", "console = 1: expected a table"),
        (
            "targets = \"hyper=loud\"\n",
            "targets = \"hyper=loud\": expected directives such as \"info,hyper=warn\"; \"hyper=loud\": level \"loud\"",
        ),
    ];
    for (text, message) in cases {
        let path = write(&dir, "logging.toml", text);
        let err = ConfigLoader::new()
            .file(&path)
            .no_dotenv()
            .env_vars::<&str, &str>([])
            .load()
            .unwrap_err();
        let expected = format!("{}: {message}", path.display());
        assert!(err.to_string().starts_with(&expected), "got {err}\nwanted {expected}");
    }
}

#[test]
fn unknown_keys_are_named_with_the_keys_that_exist() {
    let err = Config::from_toml_str("[console]\ncolour = \"auto\"\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "configuration: unknown key `console.colour`: expected one of enabled, level, stream, color, format"
    );
    let err = Config::from_toml_str("levle = \"info\"\n").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("configuration: unknown key `levle`: expected one of level, targets,"),
        "{err}"
    );
    assert!(matches!(
        Config::from_toml_str("[file]\ndir = \"x\"\n"),
        Err(ConfigError::UnknownKey { .. })
    ));
}

#[test]
fn syntax_errors_and_missing_files_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "broken.toml", "level = \n");
    let err = ConfigLoader::new().file(&path).no_dotenv().load().unwrap_err();
    assert!(
        matches!(&err, ConfigError::Syntax { origin: Origin::File(p), .. } if *p == path),
        "{err}"
    );
    let missing = dir.path().join("missing.toml");
    let err = ConfigLoader::new().file(&missing).no_dotenv().load().unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("{}: cannot read the configuration file", missing.display())),
        "{err}"
    );
    assert!(
        ConfigLoader::new()
            .optional_file(&missing)
            .no_dotenv()
            .env_vars::<&str, &str>([])
            .load()
            .is_ok()
    );
}

#[test]
fn environment_beats_dotenv_beats_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "logging.toml",
        "level = \"error\"\nlog_dir = \"from-file\"\n[console]\nlevel = \"critical\"\n",
    );
    let dotenv = write(
        &dir,
        ".env",
        "# comment\nexport LOG_LEVEL=warning\nLOG_DIR='from-dotenv'\nMAX_BODY_SIZE_LOG=300 # inline comment\n",
    );
    let c = ConfigLoader::new()
        .file(&file)
        .dotenv(&dotenv)
        .env_vars([("LOG_LEVEL", "debug")])
        .load()
        .unwrap();
    assert_eq!(c.level, LevelFilter::DEBUG, "environment wins");
    assert_eq!(c.log_dir, PathBuf::from("from-dotenv"), ".env beats the file");
    assert_eq!(c.console.level, LevelFilter::CRITICAL, "the file beats the defaults");
    assert_eq!(c.request.max_body_chars, Some(300));
}

#[test]
fn dotenv_errors_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let dotenv = write(&dir, ".env", "LOG_LEVEL=info\nnot a pair\n");
    let err = ConfigLoader::new()
        .dotenv(&dotenv)
        .env_vars::<&str, &str>([])
        .load()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{} line 2: expected KEY=VALUE, found \"not a pair\"", dotenv.display())
    );
    let dotenv = write(&dir, ".env", "LOG_LEVEL=shouty\n");
    let err = ConfigLoader::new()
        .dotenv(&dotenv)
        .env_vars::<&str, &str>([])
        .load()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{} line 1: LOG_LEVEL=shouty: expected one of trace, debug, info, warning, error, critical (or off)",
            dotenv.display()
        )
    );
}

#[test]
fn registered_sections_are_kept_for_their_crates() {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct FileSection {
        prefix: String,
    }
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "logging.toml", "[file]\nprefix = \"app_\"\n");
    let c = ConfigLoader::new()
        .file(&path)
        .section("file")
        .no_dotenv()
        .load()
        .unwrap();
    assert_eq!(
        c.section::<FileSection>("file").unwrap(),
        Some(FileSection { prefix: "app_".into() })
    );
    assert_eq!(c.section::<FileSection>("remote").unwrap(), None);
    let path = write(&dir, "logging.toml", "[file]\nprefx = \"app_\"\n");
    let c = ConfigLoader::new()
        .file(&path)
        .section("file")
        .no_dotenv()
        .load()
        .unwrap();
    let err = c.section::<FileSection>("file").unwrap_err().to_string();
    assert!(err.contains("[file]") && err.contains("prefx"), "{err}");
}

#[test]
fn targets_may_be_a_table_and_config_deserialises_with_serde() {
    let c = Config::from_toml_str("[targets]\nhyper = \"warn\"\n\"inference_demo::engine\" = \"debug\"\n").unwrap();
    assert_eq!(
        c.targets.level_for("inference_demo::engine::x"),
        Some(LevelFilter::DEBUG)
    );
    let c: Config = toml::from_str("level = \"error\"\n[console]\nformat = \"json\"\n").unwrap();
    assert_eq!((c.level, c.console.format), (LevelFilter::ERROR, Format::Json));
    assert!(toml::from_str::<Config>("bogus = 1\n").is_err());
}

#[test]
fn quoted_dotenv_values_may_carry_comments_and_an_explicit_dotenv_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let dotenv = write(
        &dir,
        ".env",
        "LOG_DIR=\"/var/log/llm\" # where the files go\nLOG_LEVEL='debug'\n",
    );
    let c = ConfigLoader::new()
        .dotenv(&dotenv)
        .env_vars::<&str, &str>([])
        .load()
        .unwrap();
    assert_eq!(c.log_dir, PathBuf::from("/var/log/llm"));
    assert_eq!(c.level, LevelFilter::DEBUG);
    let missing = dir.path().join("absent.env");
    let err = ConfigLoader::new()
        .dotenv(&missing)
        .env_vars::<&str, &str>([])
        .load()
        .unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }), "{err}");
}

#[test]
fn rust_log_from_the_environment_beats_log_level_from_dotenv() {
    let dir = tempfile::tempdir().unwrap();
    let dotenv = write(&dir, ".env", "LOG_LEVEL=warning\n");
    let c = ConfigLoader::new()
        .dotenv(&dotenv)
        .env_vars([("RUST_LOG", "debug")])
        .load()
        .unwrap();
    assert_eq!(c.level, LevelFilter::DEBUG, "the environment beats .env");
    let dotenv = write(&dir, ".env", "RUST_LOG=debug\n");
    let c = ConfigLoader::new()
        .dotenv(&dotenv)
        .env_vars([("LOG_LEVEL", "error")])
        .load()
        .unwrap();
    assert_eq!(c.level, LevelFilter::ERROR);
}

#[test]
fn in_the_file_level_beats_a_bare_level_among_the_targets() {
    let c = Config::from_toml_str("targets = \"debug,hyper=warn\"\nlevel = \"error\"\n").unwrap();
    assert_eq!(c.level, LevelFilter::ERROR);
    assert_eq!(c.targets.level_for("hyper"), Some(LevelFilter::WARNING));
    assert_eq!(
        Config::from_toml_str("targets = \"debug\"\n").unwrap().level,
        LevelFilter::DEBUG
    );
}

#[test]
fn perf_keys_and_their_environment_variable_are_read() {
    let c = Config::from_toml_str(
        "[perf]\nreport_interval = 2.5\nmetrics_namespace = \"vllm:\"\n[perf.slow_operations]\nmodel_loading = 120\n",
    )
    .unwrap();
    assert_eq!(c.perf.report_interval, Duration::from_millis(2500));
    assert_eq!(c.perf.metrics_namespace, "vllm:");
    assert_eq!(
        c.perf.slow_operations.get("model_loading"),
        Some(&Duration::from_secs(120))
    );
    let c = ConfigLoader::new()
        .no_dotenv()
        .env_vars([("PERF_REPORT_INTERVAL", "30")])
        .load()
        .unwrap();
    assert_eq!(c.perf.report_interval, Duration::from_secs(30));
    let err = ConfigLoader::new()
        .no_dotenv()
        .env_vars([("PERF_REPORT_INTERVAL", "often")])
        .load()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("PERF_REPORT_INTERVAL=often: expected a number of seconds"),
        "{err}"
    );
}
