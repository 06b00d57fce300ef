//! Installing, stats, and logging after shutdown.

mod support;

use logcore::{Config, Error, LevelFilter, MemorySink, SinkOptions};

#[test]
fn a_second_install_is_a_clear_error() {
    support::installed();
    let err = logcore::install(support::quiet_config(LevelFilter::INFO)).unwrap_err();
    assert!(matches!(err, Error::AlreadyInstalled), "{err}");
    assert!(err.to_string().contains("already installed"));
}

#[test]
fn stats_serialise_with_the_documented_names() {
    support::installed();
    logcore::info!(target: "t.stats.a", "one");
    logcore::warn!(target: "t.stats.b", "two");
    logcore::set_target_level("t.stats.quiet", LevelFilter::ERROR).unwrap();
    let stats = logcore::stats().unwrap();
    assert!(stats.total_loggers >= 2);
    assert!(stats.targets.contains(&"t.stats.a".to_owned()));
    assert!(stats.records.info >= 1 && stats.records.warning >= 1);
    let memory = stats.sink("memory").unwrap();
    assert_eq!(memory.stats.kind, "memory");
    let json = serde_json::to_value(&stats).unwrap();
    for key in [
        "uptime_secs",
        "total_loggers",
        "targets",
        "current_level",
        "console_level",
        "target_levels",
        "records",
        "log_directory",
        "sinks",
    ] {
        assert!(json.get(key).is_some(), "missing {key}: {json}");
    }
    assert_eq!(json["current_level"], "trace");
    assert_eq!(json["target_levels"]["t.stats.quiet"], "error");
    assert_eq!(json["sinks"][0]["name"], "memory");
    assert!(json["sinks"][0]["written"].as_u64().unwrap() >= 2);
}

#[test]
fn sinks_are_added_and_removed_at_run_time() {
    support::installed();
    let extra = MemorySink::new();
    logcore::add_sink("extra", extra.clone(), SinkOptions::default().include("t.runtime")).unwrap();
    assert!(matches!(
        logcore::add_sink("extra", MemorySink::new(), SinkOptions::default()),
        Err(Error::SinkExists(_))
    ));
    logcore::info!(target: "t.runtime", "to both");
    logcore::info!(target: "t.other", "not to extra");
    logcore::remove_sink("extra").unwrap();
    logcore::info!(target: "t.runtime", "after removal");
    let got: Vec<_> = extra.records().into_iter().map(|r| r.message).collect();
    assert_eq!(got, ["to both"]);
    assert!(matches!(logcore::remove_sink("extra"), Err(Error::NoSuchSink(_))));
}

#[test]
fn a_config_with_an_unknown_zone_is_refused_at_build() {
    let mut config = Config::default();
    config.timezone = logcore::TimeZoneSetting::Named("Mars/Olympus".into());
    let err = logcore::LoggerBuilder::new(config).build().unwrap_err();
    assert!(
        err.to_string()
            .starts_with("time zone \"Mars/Olympus\" cannot be loaded"),
        "{err}"
    );
}

#[test]
fn a_sinks_level_changes_at_run_time() {
    support::installed();
    let extra = MemorySink::new();
    logcore::add_sink("leveled", extra.clone(), SinkOptions::default().include("t.sinklevel")).unwrap();
    logcore::set_sink_level("leveled", LevelFilter::ERROR).unwrap();
    logcore::warn!(target: "t.sinklevel", "filtered by the sink");
    logcore::error!(target: "t.sinklevel", "passes the sink");
    logcore::set_sink_level("leveled", LevelFilter::TRACE).unwrap();
    logcore::debug!(target: "t.sinklevel", "passes again");
    logcore::remove_sink("leveled").unwrap();
    let got: Vec<_> = extra.records().into_iter().map(|r| r.message).collect();
    assert_eq!(got, ["passes the sink", "passes again"]);
    assert!(matches!(logcore::set_console_level(LevelFilter::INFO), Err(Error::NoSuchSink(name)) if name == "console"));
}

/// A sink that reports a directory, as a file sink does.
struct InDirectory;

impl logcore::Sink for InDirectory {
    fn log(&self, _: &logcore::Event<'_>, _: &mut logcore::LineBuf) {}

    fn flush(&self, _: std::time::Duration) -> bool {
        true
    }

    fn stats(&self) -> logcore::SinkStats {
        let mut stats = logcore::SinkStats::default();
        stats.kind = "file".into();
        stats.directory = Some("logs".into());
        stats
    }
}

#[test]
fn the_log_directory_is_the_one_a_sink_reports() {
    let (logger, _memory) = support::logger_with_memory(support::quiet_config(LevelFilter::INFO));
    assert_eq!(logger.stats().log_directory, None);
    logger.add_sink("file", InDirectory, SinkOptions::default()).unwrap();
    assert_eq!(logger.stats().log_directory.as_deref(), Some("logs"));
}
