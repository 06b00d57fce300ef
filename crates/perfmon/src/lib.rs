//! Request performance figures for an LLM server, written as log lines and as Prometheus
//! metrics.
//!
//! - [`OperationTimer`] ([`timer!`]): the seeds' `get_model_performance_logger`: one line with
//!   duration, tokens and tokens per second, and a WARNING over the slow threshold
//!   (`SLOW_OPERATION_THRESHOLD`).
//! - [`GenerationTracker`]: time to first token, inter-token latency (mean, p50, p99, max),
//!   decode speed, queue and end-to-end time of a streamed request, and one summary line.
//! - [`Registry`] of [`Counter`]s, [`Gauge`]s and [`Histogram`]s (lock-free, striped across
//!   threads), with the standard [`Metrics`] of a [`Monitor`] and
//!   [`Monitor::render_prometheus`].
//! - [`Reporter`]: the periodic `Avg prompt throughput: ...` line.
//! - [`ProcessStats`] from `/proc`, and [`Batch`] helpers.
//!
//! ```
//! let monitor = perfmon::Monitor::builder().build().unwrap();
//! let mut perf = monitor.timer("text_generation").with_prompt_tokens(100);
//! perf.set_completion_tokens(150);
//! let report = perf.finish();
//! assert_eq!(report.completion_tokens, Some(150));
//! assert!(monitor.render_prometheus().contains("llm_operation_duration_seconds_count{operation=\"text_generation\"} 1"));
//! ```
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

mod batch;
mod clock;
mod emit;
mod generation;
#[cfg(feature = "gpu")]
mod gpu;
mod histogram;
mod monitor;
mod process;
mod prometheus;
mod registry;
mod reporter;
mod snapshot;
mod striped;
mod timer;

pub use batch::{BATCH_ITEM_OPERATION, Batch, BatchItem, BatchSummary};
pub use clock::{ManualClock, MonotonicClock};
pub use emit::Site;
pub use generation::{FinishReason, GenerationSummary, GenerationTracker, InterTokenLatency};
pub use histogram::{Buckets, Histogram, HistogramSnapshot, MAX_BUCKETS};
pub use monitor::{DEFAULT_NAMESPACE, DEFAULT_TARGET, Metrics, Monitor, MonitorBuilder, Operation, global, install};
pub use process::ProcessStats;
pub use prometheus::CONTENT_TYPE;
pub use registry::{Counter, Family, Gauge, MetricError, Registry};
pub use reporter::{Reporter, ReporterGuard, ThroughputReport};
pub use snapshot::{LatencySummary, PerfSnapshot};
pub use timer::{OperationTimer, TimerReport};

/// The global monitor's figures now (for a `/health` endpoint).
pub fn stats() -> PerfSnapshot {
    global().snapshot()
}

/// The global monitor's metrics in the Prometheus text format (for a `/metrics` endpoint).
pub fn render_prometheus() -> String {
    global().render_prometheus()
}

/// What the macros expand to; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use logcore::__function;
}
