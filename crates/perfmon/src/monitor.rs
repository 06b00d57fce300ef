//! The [`Monitor`]: the standard metrics of an LLM server, the settings of timers, and the
//! process-wide instance the free functions use.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use parking_lot::{Mutex, RwLock};

use crate::clock::Clock;
use crate::histogram::{Buckets, Histogram};
use crate::registry::{Counter, Family, Gauge, MetricError, Registry, find_or_insert};
use crate::{MonotonicClock, ProcessStats, prometheus};

/// The target of perfmon's own lines (timers started without the macro, the periodic line).
pub const DEFAULT_TARGET: &str = "perf";
/// The prefix of the standard metric names.
pub const DEFAULT_NAMESPACE: &str = "llm_";

/// The standard metrics, named after vLLM's (with the monitor's namespace in front of each
/// name below); every field is a handle that can also be recorded directly.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Metrics {
    /// `time_to_first_token_seconds`: arrival to first token.
    pub time_to_first_token: Histogram,
    /// `inter_token_latency_seconds`: between consecutive tokens of a request.
    pub inter_token_latency: Histogram,
    /// `e2e_request_latency_seconds`: arrival to finish.
    pub e2e_request_latency: Histogram,
    /// `request_queue_time_seconds`: arrival to scheduling.
    pub request_queue_time: Histogram,
    /// `request_prompt_tokens`: prompt tokens per request.
    pub request_prompt_tokens: Histogram,
    /// `request_generation_tokens`: tokens generated per request.
    pub request_generation_tokens: Histogram,
    /// `prompt_tokens_total`: prompt tokens prefilled.
    pub prompt_tokens: Counter,
    /// `generation_tokens_total`: tokens generated.
    pub generation_tokens: Counter,
    /// `requests_total{status}`: finished requests by status (`stop`, `length`, `abort`,
    /// `error`).
    pub requests: Family<Counter, 1>,
    /// `errors_total{kind}`: errors by kind.
    pub errors: Family<Counter, 1>,
    /// `num_requests_running`.
    pub running: Gauge,
    /// `num_requests_waiting`.
    pub waiting: Gauge,
    /// `operation_duration_seconds{operation}`: timed operations.
    pub operation_duration: Family<Histogram, 1>,
    /// `operation_failures_total{operation}`.
    pub operation_failures: Family<Counter, 1>,
    /// `slow_operations_total{operation}`: operations over their slow threshold.
    pub slow_operations: Family<Counter, 1>,
    /// `gpu_memory_used_bytes{device}`.
    pub gpu_memory_used: Family<Gauge, 1>,
    /// `gpu_memory_total_bytes{device}`.
    pub gpu_memory_total: Family<Gauge, 1>,
    /// `gpu_utilization_ratio{device}`, 0 to 1.
    pub gpu_utilization: Family<Gauge, 1>,
    /// `gpu_temperature_celsius{device}`.
    pub gpu_temperature: Family<Gauge, 1>,
    /// `gpu_power_watts{device}`.
    pub gpu_power: Family<Gauge, 1>,
}

impl Metrics {
    /// Requests running and waiting now, as whole numbers.
    pub fn running_and_waiting(&self) -> (u64, u64) {
        (self.running.get().max(0.0) as u64, self.waiting.get().max(0.0) as u64)
    }

    fn register(r: &Registry, ns: &str) -> Result<Self, MetricError> {
        let n = |name: &str| format!("{ns}{name}");
        let latency = |name: &str, help: &str| r.histogram(&n(name), help, Buckets::latency());
        Ok(Metrics {
            time_to_first_token: latency("time_to_first_token_seconds", "Time from arrival to the first token.")?,
            inter_token_latency: latency("inter_token_latency_seconds", "Time between consecutive tokens.")?,
            e2e_request_latency: latency("e2e_request_latency_seconds", "Time from arrival to the last token.")?,
            request_queue_time: latency("request_queue_time_seconds", "Time waiting before scheduling.")?,
            request_prompt_tokens: r.histogram(
                &n("request_prompt_tokens"),
                "Prompt tokens per request.",
                Buckets::tokens(),
            )?,
            request_generation_tokens: r.histogram(
                &n("request_generation_tokens"),
                "Tokens generated per request.",
                Buckets::tokens(),
            )?,
            prompt_tokens: r.counter(&n("prompt_tokens_total"), "Prompt tokens prefilled.")?,
            generation_tokens: r.counter(&n("generation_tokens_total"), "Tokens generated.")?,
            requests: r.counter_family(&n("requests_total"), "Finished requests by status.", ["status"])?,
            errors: r.counter_family(&n("errors_total"), "Errors by kind.", ["kind"])?,
            running: r.gauge(&n("num_requests_running"), "Requests being generated.")?,
            waiting: r.gauge(&n("num_requests_waiting"), "Requests waiting to be scheduled.")?,
            operation_duration: r.histogram_family(
                &n("operation_duration_seconds"),
                "Duration of timed operations.",
                ["operation"],
                Buckets::latency(),
            )?,
            operation_failures: r.counter_family(
                &n("operation_failures_total"),
                "Timed operations that failed.",
                ["operation"],
            )?,
            slow_operations: r.counter_family(
                &n("slow_operations_total"),
                "Timed operations slower than their threshold.",
                ["operation"],
            )?,
            gpu_memory_used: r.gauge_family(&n("gpu_memory_used_bytes"), "GPU memory in use.", ["device"])?,
            gpu_memory_total: r.gauge_family(&n("gpu_memory_total_bytes"), "GPU memory in all.", ["device"])?,
            gpu_utilization: r.gauge_family(&n("gpu_utilization_ratio"), "GPU busy fraction, 0 to 1.", ["device"])?,
            gpu_temperature: r.gauge_family(&n("gpu_temperature_celsius"), "GPU temperature.", ["device"])?,
            gpu_power: r.gauge_family(&n("gpu_power_watts"), "GPU power draw.", ["device"])?,
        })
    }
}

/// One named operation's metrics and slow threshold, looked up once and reused.
#[derive(Clone, Debug)]
pub struct Operation(pub(crate) Arc<OperationInner>);

#[derive(Debug)]
pub(crate) struct OperationInner {
    pub(crate) name: Arc<str>,
    pub(crate) duration: Histogram,
    pub(crate) failures: Counter,
    pub(crate) slow: Counter,
    pub(crate) slow_threshold: Duration,
}

impl Operation {
    /// The operation's name.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// Over this long, a run of it is logged as slow.
    pub fn slow_threshold(&self) -> Duration {
        self.0.slow_threshold
    }
}

pub(crate) struct Inner {
    pub(crate) registry: Registry,
    pub(crate) metrics: Metrics,
    pub(crate) clock: Clock,
    pub(crate) target: &'static str,
    pub(crate) report_interval: Duration,
    slow_threshold: Duration,
    slow_overrides: HashMap<String, Duration>,
    operations: RwLock<Vec<Operation>>,
    gpu_summary: Mutex<Option<String>>,
}

/// The standard metrics and the settings of timers and trackers; clones share them.
///
/// ```
/// use perfmon::Monitor;
/// use std::time::Duration;
/// let monitor = Monitor::builder().slow_threshold_for("model_loading", Duration::from_secs(120)).build().unwrap();
/// assert_eq!(monitor.operation("model_loading").slow_threshold(), Duration::from_secs(120));
/// assert_eq!(monitor.operation("text_generation").slow_threshold(), Duration::from_secs(2));
/// assert!(monitor.render_prometheus().contains("# TYPE llm_time_to_first_token_seconds histogram"));
/// ```
#[derive(Clone)]
pub struct Monitor(pub(crate) Arc<Inner>);

impl Monitor {
    /// A builder with the defaults.
    pub fn builder() -> MonitorBuilder {
        MonitorBuilder::default()
    }

    /// The standard metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }

    /// The registry holding the standard metrics; register your own here to have them in
    /// [`render_prometheus`](Self::render_prometheus).
    pub fn registry(&self) -> &Registry {
        &self.0.registry
    }

    /// The named operation, with its metrics and slow threshold (made on first use).
    pub fn operation(&self, name: &str) -> Operation {
        let m = &self.0.metrics;
        find_or_insert(
            &self.0.operations,
            |op| &*op.0.name == name,
            || {
                Operation(Arc::new(OperationInner {
                    name: name.into(),
                    duration: m.operation_duration.with([name]),
                    failures: m.operation_failures.with([name]),
                    slow: m.slow_operations.with([name]),
                    slow_threshold: self
                        .0
                        .slow_overrides
                        .get(name)
                        .copied()
                        .unwrap_or(self.0.slow_threshold),
                }))
            },
        )
    }

    /// Counts an error of `kind` (`errors_total{kind}`).
    pub fn record_error(&self, kind: &str) {
        self.0.metrics.errors.with([kind]).inc();
    }

    /// Sets what the periodic line shows after `GPU memory:`; `gpumon`'s sampler keeps it up
    /// to date (`15.23GB / 80.00GB (19.0%)`, or why there is no reading).
    pub fn set_gpu_summary(&self, text: impl Into<String>) {
        *self.0.gpu_summary.lock() = Some(text.into());
    }

    /// What [`set_gpu_summary`](Self::set_gpu_summary) last set.
    pub fn gpu_summary(&self) -> Option<String> {
        self.0.gpu_summary.lock().clone()
    }

    /// How often the periodic line is written.
    pub fn report_interval(&self) -> Duration {
        self.0.report_interval
    }

    /// Every metric in the Prometheus text format 0.0.4 (content type
    /// [`CONTENT_TYPE`](crate::CONTENT_TYPE)), with the process's resources under the standard
    /// `process_*` names.
    pub fn render_prometheus(&self) -> String {
        let mut out = self.0.registry.render_prometheus();
        if let Ok(p) = ProcessStats::read() {
            render_process(&mut out, &p);
        }
        out
    }
}

fn render_process(out: &mut String, p: &ProcessStats) {
    let mut one = |name: &str, help: &str, kind: &str, value: f64| {
        prometheus::header(out, name, help, kind);
        prometheus::sample(out, name, "", &Default::default(), None, value);
    };
    one(
        "process_resident_memory_bytes",
        "Resident memory size in bytes.",
        "gauge",
        p.resident_bytes as f64,
    );
    one(
        "process_virtual_memory_bytes",
        "Virtual memory size in bytes.",
        "gauge",
        p.virtual_bytes as f64,
    );
    one(
        "process_cpu_seconds_total",
        "Total user and system CPU time spent in seconds.",
        "counter",
        p.cpu_seconds,
    );
    one(
        "process_open_fds",
        "Number of open file descriptors.",
        "gauge",
        p.open_fds as f64,
    );
    if let Some(max) = p.max_fds {
        one(
            "process_max_fds",
            "Maximum number of open file descriptors.",
            "gauge",
            max as f64,
        );
    }
    one(
        "process_threads",
        "Number of OS threads in the process.",
        "gauge",
        p.threads as f64,
    );
    if let Some(start) = p.start_time_seconds {
        one(
            "process_start_time_seconds",
            "Start time of the process since unix epoch in seconds.",
            "gauge",
            start,
        );
    }
}

impl fmt::Debug for Monitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Monitor")
            .field("target", &self.0.target)
            .field("slow_threshold", &self.0.slow_threshold)
            .field("slow_overrides", &self.0.slow_overrides)
            .field("report_interval", &self.0.report_interval)
            .field("clock", &self.0.clock)
            .finish_non_exhaustive()
    }
}

/// Describes a [`Monitor`].
///
/// | setting | default |
/// |---|---|
/// | `slow_threshold` | 2 s (`SLOW_OPERATION_THRESHOLD`) |
/// | `slow_threshold_for(op, d)` | none |
/// | `namespace` | `llm_` (use `vllm:` for dashboards made for vLLM) |
/// | `target` | `perf` |
/// | `report_interval` | 10 s |
/// | `registry` | a new one |
/// | `clock` | the system's monotonic clock |
#[derive(Default)]
#[must_use]
pub struct MonitorBuilder {
    slow_threshold: Option<Duration>,
    slow_overrides: HashMap<String, Duration>,
    namespace: Option<String>,
    target: Option<&'static str>,
    report_interval: Option<Duration>,
    registry: Option<Registry>,
    clock: Option<Arc<dyn MonotonicClock>>,
}

impl MonitorBuilder {
    /// Settings from `logcore`'s configuration: `[perf]` and `SLOW_OPERATION_THRESHOLD`,
    /// `PERF_REPORT_INTERVAL`.
    pub fn from_config(config: &logcore::Config) -> Self {
        let perf = &config.perf;
        MonitorBuilder {
            slow_threshold: Some(perf.slow_operation_threshold),
            slow_overrides: perf.slow_operations.clone().into_iter().collect(),
            namespace: Some(perf.metrics_namespace.clone()),
            report_interval: Some(perf.report_interval),
            ..Self::default()
        }
    }

    /// Operations longer than this are logged as slow.
    pub fn slow_threshold(mut self, threshold: Duration) -> Self {
        self.slow_threshold = Some(threshold);
        self
    }

    /// The slow threshold of one operation.
    pub fn slow_threshold_for(mut self, operation: &str, threshold: Duration) -> Self {
        self.slow_overrides.insert(operation.to_owned(), threshold);
        self
    }

    /// The prefix of the standard metric names.
    pub fn namespace(mut self, namespace: &str) -> Self {
        self.namespace = Some(namespace.to_owned());
        self
    }

    /// The target of perfmon's own lines.
    pub fn target(mut self, target: &'static str) -> Self {
        self.target = Some(target);
        self
    }

    /// How often the periodic line is written.
    pub fn report_interval(mut self, interval: Duration) -> Self {
        self.report_interval = Some(interval);
        self
    }

    /// Registers the standard metrics in this registry.
    pub fn registry(mut self, registry: Registry) -> Self {
        self.registry = Some(registry);
        self
    }

    /// Reads time from this clock (tests).
    pub fn clock(mut self, clock: Arc<dyn MonotonicClock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Registers the standard metrics; fails on a bad namespace or on names already taken in
    /// the given registry.
    pub fn build(self) -> Result<Monitor, MetricError> {
        let registry = self.registry.unwrap_or_default();
        let namespace = self.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE);
        let metrics = Metrics::register(&registry, namespace)?;
        Ok(Monitor(Arc::new(Inner {
            registry,
            metrics,
            clock: Clock::new(self.clock),
            target: self.target.unwrap_or(DEFAULT_TARGET),
            report_interval: self.report_interval.unwrap_or(Duration::from_secs(10)),
            slow_threshold: self.slow_threshold.unwrap_or(Duration::from_secs(2)),
            slow_overrides: self.slow_overrides,
            operations: RwLock::new(Vec::new()),
            gpu_summary: Mutex::new(None),
        })))
    }
}

impl fmt::Debug for MonitorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MonitorBuilder")
            .field("slow_threshold", &self.slow_threshold)
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

static GLOBAL: OnceLock<Monitor> = OnceLock::new();

/// Makes `monitor` the one [`global`] returns; gives it back when one is already set.
pub fn install(monitor: Monitor) -> Result<(), Monitor> {
    GLOBAL.set(monitor)
}

/// The process's monitor: the installed one, or else one made on first use from the
/// environment (`SLOW_OPERATION_THRESHOLD`, `PERF_REPORT_INTERVAL`, `.env`), with the
/// defaults where that configuration has an error (which `logcore::install` reports).
pub fn global() -> &'static Monitor {
    GLOBAL.get_or_init(|| {
        let config = logcore::Config::from_env().unwrap_or_default();
        MonitorBuilder::from_config(&config)
            .build()
            .or_else(|_| Monitor::builder().build())
            .expect("the default namespace is valid")
    })
}
