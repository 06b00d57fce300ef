//! The periodic throughput line and the batch summary.

mod support;

use std::time::Duration;

use logcore::Level;
use perfmon::{FinishReason, Monitor};
use support::{fields, monitor, monitor_with, records};

#[test]
fn the_periodic_line_has_vllms_shape_and_this_intervals_rates() {
    let (monitor, clock) = monitor("t_report_line");
    let mut reporter = monitor.reporter();
    let mut running = monitor.generation("/generate").with_prompt_tokens(300);
    running.scheduled();
    running.tokens(120);
    let _waiting = monitor.generation("/generate");
    monitor.set_gpu_summary("15.23GB / 80.00GB (19.0%)");
    clock.advance(Duration::from_secs(10));
    let r = reporter.tick();
    assert_eq!(
        (r.prompt_tokens_per_second, r.generation_tokens_per_second),
        (30.0, 12.0)
    );
    assert_eq!((r.running, r.waiting), (1, 1));
    let line = r.to_string();
    assert!(
        line.starts_with(
            "Avg prompt throughput: 30.0 tokens/s, Avg generation throughput: 12.0 tokens/s, \
             Running: 1 reqs, Waiting: 1 reqs, GPU memory: 15.23GB / 80.00GB (19.0%), RSS: "
        ),
        "{line}"
    );
    assert!(line.contains(", CPU: ") && line.contains(", FDs: "), "{line}");

    // The next interval counts only what happened in it.
    running.tokens(50);
    clock.advance(Duration::from_secs(5));
    let r = reporter.tick();
    assert_eq!(
        (r.prompt_tokens_per_second, r.generation_tokens_per_second),
        (0.0, 10.0)
    );
    let _ = running.finish(FinishReason::Stop);

    let lines = records("t_report_line");
    let periodic: Vec<_> = lines.iter().filter(|l| l.message.starts_with("Avg prompt")).collect();
    assert_eq!(periodic.len(), 2);
    assert!(periodic.iter().all(|l| l.level == Level::Info));
}

#[test]
fn an_idle_interval_is_written_at_debug() {
    let (monitor, clock) = monitor("t_report_idle");
    let mut reporter = monitor.reporter();
    clock.advance(Duration::from_secs(10));
    let r = reporter.tick();
    assert!(r.is_idle());
    assert!(r.to_string().contains("GPU memory: not sampled"), "{r}");
    assert_eq!(records("t_report_idle")[0].level, Level::Debug);
}

#[test]
fn the_reporter_thread_writes_each_interval_and_stops_with_its_guard() {
    support::installed();
    let monitor = Monitor::builder()
        .target("t_report_thread")
        .report_interval(Duration::from_millis(30))
        .build()
        .unwrap();
    let guard = monitor.start_reporter().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while records("t_report_thread").len() < 3 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let stopped_at = std::time::Instant::now();
    drop(guard);
    assert!(
        stopped_at.elapsed() < Duration::from_millis(500),
        "the guard waited for the interval"
    );
    let written = records("t_report_thread").len();
    assert!(written >= 3);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        records("t_report_thread").len(),
        written,
        "lines after the guard was dropped"
    );
}

#[test]
fn a_batch_gives_items_ids_and_timers_and_sums_them_up() {
    let (monitor, clock) = monitor_with("t_batch", Monitor::builder());
    let batch = monitor.batch("batch_processor", 3);
    let batch_id = batch.id().to_string();
    for (i, completion) in [40u64, 60, 0].into_iter().enumerate() {
        let mut item = batch.item();
        assert_eq!(item.id().to_string(), format!("{batch_id}.{}", i + 1));
        item.set_prompt_tokens(10);
        clock.advance(Duration::from_millis(500));
        if completion == 0 {
            item.fail("empty prompt");
        } else {
            item.set_completion_tokens(completion);
        }
    }
    let s = batch.finish();
    assert_eq!(
        (
            s.items,
            s.failures,
            s.prompt_tokens,
            s.completion_tokens,
            s.total_tokens
        ),
        (3, 1, 30, 100, 130)
    );
    assert_eq!(s.duration, Duration::from_millis(1500));
    assert_eq!((s.tokens_per_second, s.items_per_second), (66.7, 2.0));

    let lines = records("t_batch");
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert_eq!(lines[0].message, "Starting batch processing: batch_processor, 3 items");
    assert_eq!(lines[1].request_id.as_deref(), Some(format!("{batch_id}.1").as_str()));
    assert_eq!(lines[1].message, "batch_item completed");
    assert_eq!(lines[3].message, "batch_item failed: empty prompt");
    let summary = &lines[4];
    assert_eq!(summary.request_id.as_deref(), Some(batch_id.as_str()));
    assert_eq!(
        summary.level,
        Level::Warning,
        "a failed item makes the summary a warning"
    );
    assert_eq!(summary.message, "Batch processing completed: batch_processor");
    assert_eq!(
        fields(summary),
        "items=3 expected=3 failures=1 total_tokens=130 duration_ms=1500 tokens_per_second=66.7 items_per_second=2"
    );
}
