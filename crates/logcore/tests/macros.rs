//! The macros: function names, CRITICAL, key-values, and records from `log` and `tracing`.

mod support;

use logcore::Level;

#[test]
fn macros_record_the_enclosing_function() {
    support::installed();
    fn create_app() {
        logcore::info!(target: "t.fn", "VLLM Server starting up");
    }
    struct Engine;
    impl Engine {
        fn step(&self) {
            logcore::debug!(target: "t.fn", "step");
        }
    }
    fn with_closure() {
        let f = || logcore::warn!(target: "t.fn", "inside a closure");
        f();
    }
    create_app();
    Engine.step();
    with_closure();
    let functions: Vec<_> = support::records("t.fn").into_iter().map(|r| r.function).collect();
    assert_eq!(
        functions,
        [
            Some("create_app".into()),
            Some("step".into()),
            Some("with_closure".into())
        ]
    );
}

#[test]
fn async_blocks_report_the_function_they_are_in() {
    async fn generate_text() {
        logcore::info!(target: "t.async", "Processing generation request");
    }
    support::installed();
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(generate_text());
    assert_eq!(
        support::records("t.async")[0].function.as_deref(),
        Some("generate_text")
    );
}

#[test]
fn every_level_including_critical() {
    support::installed();
    logcore::trace!(target: "t.levels", "t");
    logcore::debug!(target: "t.levels", "d");
    logcore::info!(target: "t.levels", "i");
    logcore::warn!(target: "t.levels", "w");
    logcore::error!(target: "t.levels", "e");
    logcore::critical!(target: "t.levels", "c {}", 1);
    let levels: Vec<Level> = support::records("t.levels").into_iter().map(|r| r.level).collect();
    assert_eq!(levels, Level::ALL);
    let critical = &support::records("t.levels")[5];
    assert_eq!(critical.message, "c 1");
    assert!(
        critical.fields.is_empty(),
        "reserved keys are not fields: {:?}",
        critical.fields
    );
}

#[test]
fn key_values_pass_through_and_reserved_keys_stay_hidden() {
    support::installed();
    let model = "synthetic-7b";
    logcore::info!(target: "t.kv", prompt_tokens = 100, model, ratio:% = 0.5; "generated {} tokens", 150);
    logcore::critical!(target: "t.kv", gpu = 0; "lost");
    let records = support::records("t.kv");
    assert_eq!(records[0].message, "generated 150 tokens");
    assert_eq!(
        records[0].fields,
        [
            ("prompt_tokens".into(), "100".into()),
            ("model".into(), "synthetic-7b".into()),
            ("ratio".into(), "0.5".into())
        ]
    );
    assert_eq!(records[1].level, Level::Critical);
    assert_eq!(records[1].fields, [("gpu".into(), "0".into())]);
}

#[test]
fn default_target_is_the_module_path_and_location_is_kept() {
    support::installed();
    logcore::error!("from the default target");
    let records = support::records(module_path!());
    let r = records.iter().find(|r| r.message == "from the default target").unwrap();
    assert_eq!(r.file.as_deref(), Some(file!()));
    assert!(r.line.is_some());
}

#[test]
fn plain_log_macros_arrive_with_no_function() {
    support::installed();
    log::info!(target: "t.plain", "from log::info!");
    log::warn!(target: "t.plain", answer = 42; "with a key-value");
    let records = support::records("t.plain");
    assert_eq!(records[0].function, None);
    assert_eq!(records[1].level, Level::Warning);
    assert_eq!(records[1].field("answer"), Some("42"));
}

#[test]
fn tracing_events_arrive_through_tracings_log_feature() {
    support::installed();
    tracing::info!(target: "t.tracing", answer = 42, "hello from tracing");
    let records = support::records("t.tracing");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].level, Level::Info);
    assert!(records[0].message.contains("hello from tracing"), "{:?}", records[0]);
    assert!(records[0].message.contains("answer=42"), "{:?}", records[0]);
}
