//! The generation tracker's figures against values worked out by hand, its summary line and
//! the metrics it keeps.

mod support;

use std::time::Duration;

use logcore::Level;
use perfmon::FinishReason;
use support::{fields, monitor, records};

const MS: Duration = Duration::from_millis(1);

#[test]
fn figures_match_a_hand_worked_timeline() {
    let (monitor, clock) = monitor("t_gen_timeline");
    let m = monitor.metrics();
    // t=0 arrival; t=100 scheduled; t=300 first token; tokens at 310, 330, 360, 400; two more
    // at once at 460; finished at 500.
    let mut g = monitor.generation("/generate").with_prompt_tokens(12);
    assert_eq!((m.waiting.get(), m.running.get()), (1.0, 0.0));
    clock.advance(100 * MS);
    g.scheduled();
    assert_eq!((m.waiting.get(), m.running.get()), (0.0, 1.0));
    clock.advance(200 * MS);
    g.first_token();
    for gap in [10, 20, 30, 40] {
        clock.advance(gap * MS);
        g.token();
    }
    clock.advance(60 * MS);
    g.tokens(2);
    clock.advance(40 * MS);
    let s = g.finish(FinishReason::Stop);
    assert_eq!((m.waiting.get(), m.running.get()), (0.0, 0.0));

    assert_eq!(s.tokens_generated, 7);
    assert_eq!(s.queue_time, 100 * MS);
    assert_eq!(s.time_to_first_token, Some(300 * MS));
    assert_eq!(s.generation_time, 400 * MS);
    assert_eq!(s.end_to_end, 500 * MS);
    assert_eq!(s.tokens_per_second, 17.5); // 7 / 0.4 s
    assert_eq!(s.decode_tokens_per_second, Some(37.5)); // 6 / (460 - 300) ms
    // Gaps: 10, 20, 30, 40 and 60 shared by two tokens: 30, 30. Sorted 10 20 30 30 30 40.
    let itl = s.inter_token_latency.unwrap();
    assert_eq!(itl.mean, Duration::from_nanos(160_000_000 / 6));
    assert_eq!(itl.p50, 30 * MS); // rank ceil(0.5 * 6) = 3
    assert_eq!(itl.p99, 40 * MS); // rank ceil(0.99 * 6) = 6
    assert_eq!(itl.max, 40 * MS);

    let lines = records("t_gen_timeline");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0].level, Level::Info);
    assert_eq!(lines[0].message, "Generation finished");
    assert_eq!(
        fields(&lines[0]),
        "endpoint=/generate finish_reason=stop prompt_tokens=12 generation_ms=400 tokens_generated=7 \
         tokens_per_second=17.5 endpoint_total_ms=500 queue_ms=100 ttft_ms=300 itl_mean_ms=26.7 \
         itl_p50_ms=30 itl_p99_ms=40 itl_max_ms=40 decode_tokens_per_second=37.5"
    );

    assert_eq!(m.time_to_first_token.snapshot().sum(), 300_000_000);
    assert_eq!(m.inter_token_latency.snapshot().count(), 6);
    assert_eq!(m.inter_token_latency.snapshot().sum(), 160_000_000);
    assert_eq!(m.request_queue_time.snapshot().sum(), 100_000_000);
    assert_eq!(m.e2e_request_latency.snapshot().sum(), 500_000_000);
    assert_eq!((m.prompt_tokens.get(), m.generation_tokens.get()), (12, 7));
    assert_eq!(m.requests.with(["stop"]).get(), 1);
}

#[test]
fn the_first_token_schedules_a_request_that_was_not_scheduled() {
    let (monitor, clock) = monitor("t_gen_implicit");
    let mut g = monitor.generation("/generate");
    clock.advance(250 * MS);
    g.tokens(4); // four at once: the first, then three with no gap
    let s = g.finish(FinishReason::Length);
    assert_eq!(s.queue_time, 250 * MS);
    assert_eq!(s.time_to_first_token, Some(250 * MS));
    assert_eq!(s.inter_token_latency.unwrap().max, Duration::ZERO);
    assert_eq!(s.decode_tokens_per_second, None);
    assert_eq!(monitor.metrics().requests.with(["length"]).get(), 1);
}

#[test]
fn dropped_unfinished_it_is_an_abort_and_a_failure_counts_its_kind() {
    let (monitor, clock) = monitor("t_gen_abort");
    let m = monitor.metrics();
    {
        let mut g = monitor.generation("/generate");
        g.scheduled();
        clock.advance(10 * MS);
        g.token();
    }
    let g = monitor.generation("/generate");
    let s = g.fail("timeout", "client gave up after 30 s");
    assert_eq!(s.finish_reason, FinishReason::Error);
    assert_eq!(s.time_to_first_token, None);
    assert_eq!((m.waiting.get(), m.running.get()), (0.0, 0.0));
    assert_eq!(m.requests.with(["abort"]).get(), 1);
    assert_eq!(m.requests.with(["error"]).get(), 1);
    assert_eq!(m.errors.with(["timeout"]).get(), 1);
    let lines = records("t_gen_abort");
    assert_eq!(lines[0].level, Level::Warning);
    assert_eq!(lines[0].message, "Generation aborted");
    assert_eq!(lines[1].message, "Generation failed: client gave up after 30 s");
    assert_eq!(lines[1].field("ttft_ms"), None);
}

#[test]
fn gauges_settle_at_zero_after_many_concurrent_requests() {
    let (monitor, _) = monitor("t_gen_threads");
    std::thread::scope(|s| {
        for t in 0..8 {
            let monitor = monitor.clone();
            s.spawn(move || {
                for i in 0..200 {
                    let mut g = monitor.generation("/generate").with_prompt_tokens(5);
                    if (i + t) % 3 != 0 {
                        g.scheduled();
                    }
                    g.tokens(i % 4);
                    if i % 5 != 0 {
                        let _ = g.finish(FinishReason::Stop);
                    }
                }
            });
        }
    });
    let m = monitor.metrics();
    assert_eq!((m.waiting.get(), m.running.get()), (0.0, 0.0));
    let finished: u64 = m.requests.children().iter().map(|(_, c)| c.get()).sum();
    assert_eq!(finished, 1600);
    assert_eq!(m.e2e_request_latency.snapshot().count(), 1600);
    // Each thread's 200 requests make 0, 1, 2 and 3 tokens in turn.
    assert_eq!(m.generation_tokens.get(), 8 * 50 * (1 + 2 + 3));
}
