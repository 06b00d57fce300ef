//! Performance monitoring at work: model loading and generation timers (one slow), streamed
//! requests with time to first token and inter-token latency, a batch with a failing item,
//! the periodic throughput line, the GPU probe (which says why when there is no GPU), the
//! `/health` snapshot and the start of `/metrics`.
//!
//! `cargo run -p perfmon --features gpu --example perf` (part of `cargo xtask demo`).

use std::time::Duration;

use logcore::{Config, RequestId, RequestScope};
use perfmon::{FinishReason, MonitorBuilder};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut config = Config::from_env()?;
    config.perf.report_interval = Duration::from_millis(500);
    let _logger = logcore::install(config.clone())?;
    let monitor = MonitorBuilder::from_config(&config)
        .slow_threshold_for("model_loading", Duration::from_secs(120))
        .build()?;
    let _ = perfmon::install(monitor.clone());
    let _reporter = monitor.start_reporter()?;
    let _gpus = monitor.sample_gpus(Duration::from_secs(1))?;

    let probe = gpumon::probe();
    match probe.reason() {
        Some(why) => logcore::warn!("No GPU, running on the CPU: {why}"),
        None => logcore::info!("GPUs: {probe}"),
    }

    {
        let _perf = perfmon::timer!("model_loading");
        std::thread::sleep(Duration::from_millis(150));
        logcore::info!("Model created successfully");
    }

    // The seeds' performance logger, once quick and once over a 100 ms threshold.
    let id = RequestId::generate();
    let _scope = RequestScope::enter(id);
    logcore::info!("GPU memory (before generation): {}", gpu_memory(0));
    let mut perf = perfmon::timer!("text_generation", prompt_tokens = 100);
    std::thread::sleep(Duration::from_millis(60));
    perf.set_completion_tokens(150);
    drop(perf);
    let mut slow = perfmon::timer!("text_generation", prompt_tokens = 2048).slow_after(Duration::from_millis(100));
    std::thread::sleep(Duration::from_millis(140));
    slow.set_completion_tokens(512);
    drop(slow);
    logcore::info!("GPU memory (after generation): {}", gpu_memory(0));
    drop(_scope);

    // Streamed requests on their own threads: the tracker's summary line per request.
    std::thread::scope(|s| {
        for n in 0..4u64 {
            let monitor = monitor.clone();
            s.spawn(move || {
                let _scope = RequestScope::enter(RequestId::generate());
                let mut g = monitor.generation("/generate").with_prompt_tokens(200 + 50 * n);
                std::thread::sleep(Duration::from_millis(20 * n)); // queued
                g.scheduled();
                std::thread::sleep(Duration::from_millis(40)); // prefill
                for _ in 0..(30 + 10 * n) {
                    std::thread::sleep(Duration::from_millis(8));
                    g.token();
                }
                let _ = g.finish(if n == 3 {
                    FinishReason::Length
                } else {
                    FinishReason::Stop
                });
            });
        }
    });

    // The seeds' batch logging.
    let batch = monitor.batch("batch_processor", 3);
    for (n, tokens) in [(1, 40), (2, 0), (3, 55)] {
        let mut item = batch.item();
        let _item_scope = item.enter();
        item.set_prompt_tokens(12);
        std::thread::sleep(Duration::from_millis(15));
        if tokens == 0 {
            item.fail("empty prompt");
        } else {
            item.set_completion_tokens(tokens);
            logcore::info!("Batch item {n} completed");
        }
    }
    let _ = batch.finish();
    std::thread::sleep(Duration::from_millis(600)); // one more periodic line

    println!(
        "\n/health performance snapshot:\n{}",
        serde_json::to_string_pretty(&perfmon::stats())?
    );
    let metrics = perfmon::render_prometheus();
    println!("\n/metrics (first lines of {}):", metrics.lines().count());
    for line in metrics.lines().filter(|l| !l.contains("_bucket")).take(24) {
        println!("  {line}");
    }
    Ok(())
}

/// The lifecycle line's figure, or why there is none.
fn gpu_memory(device: usize) -> String {
    match gpumon::Gpus::open().and_then(|g| g.memory(device)) {
        Ok(reading) => reading.to_string(),
        Err(why) => format!("unavailable ({why})"),
    }
}
