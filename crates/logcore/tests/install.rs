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
    assert!(err.to_string().contains("Mars/Olympus"), "{err}");
}
