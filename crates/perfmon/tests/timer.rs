//! The timer guard: its line, its slow warning and its failure marks, with an injected clock.

mod support;

use std::time::Duration;

use logcore::{Level, RequestId, RequestScope};
use perfmon::Monitor;
use support::{fields, monitor, monitor_with, records};

#[test]
fn a_timer_writes_duration_tokens_and_tokens_per_second() {
    let (monitor, clock) = monitor("t_timer_line");
    let mut perf = monitor.timer("text_generation").with_prompt_tokens(100);
    clock.advance(Duration::from_millis(1850));
    perf.set_completion_tokens(145);
    let report = perf.finish();
    assert_eq!(report.duration, Duration::from_millis(1850));
    assert_eq!(report.tokens_per_second, Some(78.4)); // 145 / 1.85 = 78.38
    assert!(!report.slow && report.failure.is_none());

    let lines = records("t_timer_line");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0].level, Level::Info);
    assert_eq!(lines[0].message, "text_generation completed");
    assert_eq!(
        fields(&lines[0]),
        "duration_ms=1850 prompt_tokens=100 completion_tokens=145 total_tokens=245 tokens_per_second=78.4"
    );
    let h = monitor
        .metrics()
        .operation_duration
        .with(["text_generation"])
        .snapshot();
    assert_eq!((h.count(), h.sum()), (1, 1_850_000_000));
}

#[test]
fn over_the_threshold_a_warning_follows_and_is_counted() {
    let (monitor, clock) = monitor("t_timer_slow");
    let perf = monitor.timer("text_generation");
    clock.advance(Duration::from_millis(2530));
    assert!(perf.finish().slow);
    let lines = records("t_timer_slow");
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[1].level, Level::Warning);
    assert_eq!(
        lines[1].message,
        "Slow operation: text_generation took 2.53 s (threshold 2.00 s)"
    );
    assert_eq!(fields(&lines[1]), "duration_ms=2530 threshold_ms=2000");
    assert_eq!(monitor.metrics().slow_operations.with(["text_generation"]).get(), 1);

    // Exactly at the threshold is not slow.
    let perf = monitor.timer("text_generation");
    clock.advance(Duration::from_secs(2));
    assert!(!perf.finish().slow);
    assert_eq!(records("t_timer_slow").len(), 3);
}

#[test]
fn thresholds_can_be_set_per_operation_and_per_run() {
    let builder = Monitor::builder()
        .slow_threshold(Duration::from_millis(500))
        .slow_threshold_for("model_loading", Duration::from_secs(120));
    let (monitor, clock) = monitor_with("t_timer_thresholds", builder);
    let loading = monitor.timer("model_loading");
    clock.advance(Duration::from_secs(60));
    assert!(!loading.finish().slow, "60 s is under model_loading's 120 s");
    let other = monitor.timer("tokenize");
    clock.advance(Duration::from_millis(600));
    assert!(other.finish().slow, "600 ms is over the 500 ms default here");
    let lenient = monitor.timer("tokenize").slow_after(Duration::from_secs(1));
    clock.advance(Duration::from_millis(600));
    assert!(!lenient.finish().slow);
    let slow: Vec<_> = records("t_timer_thresholds")
        .into_iter()
        .filter(|r| r.message.starts_with("Slow"))
        .collect();
    assert_eq!(slow.len(), 1);
    assert!(
        slow[0].message.contains("tokenize took 0.60 s (threshold 0.50 s)"),
        "{}",
        slow[0].message
    );
}

#[test]
fn the_threshold_comes_from_slow_operation_threshold() {
    let config = logcore::ConfigLoader::new()
        .no_dotenv()
        .env_vars([("SLOW_OPERATION_THRESHOLD", "0.25")])
        .load()
        .unwrap();
    let (monitor, _) = monitor_with("t_timer_env", perfmon::MonitorBuilder::from_config(&config));
    assert_eq!(
        monitor.operation("anything").slow_threshold(),
        Duration::from_millis(250)
    );
}

#[test]
fn an_error_recorded_on_it_marks_it_failed() {
    let (monitor, clock) = monitor("t_timer_failed");
    let mut perf = monitor.timer("text_generation");
    clock.advance(Duration::from_millis(40));
    let err = std::io::Error::other("CUDA out of memory");
    perf.record_error(&err);
    drop(perf);
    let lines = records("t_timer_failed");
    assert_eq!(lines[0].level, Level::Warning);
    assert_eq!(lines[0].message, "text_generation failed: CUDA out of memory");
    assert_eq!(monitor.metrics().operation_failures.with(["text_generation"]).get(), 1);
}

#[test]
fn dropped_while_unwinding_it_is_marked_failed() {
    let (monitor, clock) = monitor("t_timer_panic");
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _perf = monitor.timer("text_generation");
        clock.advance(Duration::from_millis(5));
        panic!("kernel launch failed");
    }));
    assert!(result.is_err());
    let lines = records("t_timer_panic");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(
        lines[0].message,
        "text_generation failed: dropped while a panic unwound"
    );
    assert_eq!(monitor.metrics().operation_failures.with(["text_generation"]).get(), 1);
}

#[test]
fn the_line_names_the_request_it_started_in_even_when_dropped_elsewhere() {
    let (monitor, _) = monitor("t_timer_request");
    let id = RequestId::parse("req_0badcafe").unwrap();
    let perf = {
        let _scope = RequestScope::enter(id);
        monitor.timer("text_generation")
    };
    std::thread::spawn(move || drop(perf)).join().unwrap();
    let lines = records("t_timer_request");
    assert_eq!(lines[0].request_id.as_deref(), Some("req_0badcafe"));
}

#[test]
fn the_macro_logs_from_the_callers_module_and_function() {
    support::installed();
    let mut perf = perfmon::timer!("macro_operation_for_test", prompt_tokens = 7);
    perf.set_completion_tokens(3);
    drop(perf);
    let lines = records(module_path!());
    let line = lines
        .iter()
        .find(|r| r.message == "macro_operation_for_test completed")
        .expect("line");
    assert_eq!(
        line.function.as_deref(),
        Some("the_macro_logs_from_the_callers_module_and_function")
    );
    assert_eq!(line.field("prompt_tokens"), Some("7"));
}
