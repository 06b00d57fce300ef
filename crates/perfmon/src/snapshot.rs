//! What `/health` shows of performance: the monitor's figures at one moment, serialisable.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{Counter, Family, Histogram, Monitor, ProcessStats};

/// A latency histogram in short: count, mean and estimated percentiles, in milliseconds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LatencySummary {
    /// Values recorded.
    pub count: u64,
    /// Mean, exact.
    pub mean_ms: Option<f64>,
    /// Median, estimated from the buckets.
    pub p50_ms: Option<f64>,
    /// 99th percentile, estimated from the buckets.
    pub p99_ms: Option<f64>,
}

impl LatencySummary {
    /// The summary of a histogram of nanoseconds.
    pub fn of(h: &Histogram) -> Self {
        let s = h.snapshot();
        let ms = |ns: Option<f64>| ns.map(|ns| (ns / 1e4).round() / 100.0);
        LatencySummary {
            count: s.count(),
            mean_ms: ms(s.mean()),
            p50_ms: ms(s.quantile(0.5)),
            p99_ms: ms(s.quantile(0.99)),
        }
    }
}

/// The monitor's figures at one moment.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PerfSnapshot {
    /// Requests being generated.
    pub running: u64,
    /// Requests waiting.
    pub waiting: u64,
    /// Finished requests by status.
    pub requests: BTreeMap<String, u64>,
    /// Errors by kind.
    pub errors: BTreeMap<String, u64>,
    /// Prompt tokens prefilled.
    pub prompt_tokens: u64,
    /// Tokens generated.
    pub generation_tokens: u64,
    /// Time to first token.
    pub time_to_first_token: LatencySummary,
    /// Inter-token latency.
    pub inter_token_latency: LatencySummary,
    /// End-to-end latency.
    pub e2e_request_latency: LatencySummary,
    /// Queue time.
    pub request_queue_time: LatencySummary,
    /// Timed operations by name.
    pub operations: BTreeMap<String, LatencySummary>,
    /// Slow runs by operation.
    pub slow_operations: BTreeMap<String, u64>,
    /// The process's resources.
    pub process: Option<ProcessStats>,
    /// What the GPU sampler last said.
    pub gpu: Option<String>,
}

fn counts(f: &Family<Counter, 1>) -> BTreeMap<String, u64> {
    f.children().into_iter().map(|([label], c)| (label, c.get())).collect()
}

impl Monitor {
    /// The figures now.
    pub fn snapshot(&self) -> PerfSnapshot {
        let m = &self.0.metrics;
        let (running, waiting) = m.running_and_waiting();
        PerfSnapshot {
            running,
            waiting,
            requests: counts(&m.requests),
            errors: counts(&m.errors),
            prompt_tokens: m.prompt_tokens.get(),
            generation_tokens: m.generation_tokens.get(),
            time_to_first_token: LatencySummary::of(&m.time_to_first_token),
            inter_token_latency: LatencySummary::of(&m.inter_token_latency),
            e2e_request_latency: LatencySummary::of(&m.e2e_request_latency),
            request_queue_time: LatencySummary::of(&m.request_queue_time),
            operations: m
                .operation_duration
                .children()
                .into_iter()
                .map(|([op], h)| (op, LatencySummary::of(&h)))
                .collect(),
            slow_operations: counts(&m.slow_operations),
            process: ProcessStats::read().ok(),
            gpu: self.gpu_summary(),
        }
    }
}
