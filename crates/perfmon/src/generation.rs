//! The streaming generation tracker: time to first token, inter-token latency, decode speed,
//! queue time and end-to-end time of one request, and its summary line.

use std::fmt;
use std::time::{Duration, Instant};

use log::kv::Value;
use logcore::{RequestId, current_request_id};
use serde::Serialize;

use crate::Monitor;
use crate::emit::{Site, emit, ms, per_second};

/// Why a generation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FinishReason {
    /// A stop token or stop sequence.
    Stop,
    /// `max_tokens` reached.
    Length,
    /// The client went away or the request was cancelled (also: dropped unfinished).
    Abort,
    /// It failed.
    Error,
}

impl FinishReason {
    /// The lowercase name, as in the `status` label and the summary line.
    pub fn as_str(self) -> &'static str {
        match self {
            FinishReason::Stop => "stop",
            FinishReason::Length => "length",
            FinishReason::Abort => "abort",
            FinishReason::Error => "error",
        }
    }
}

impl fmt::Display for FinishReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Inter-token latency figures of one request.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct InterTokenLatency {
    /// Mean gap.
    pub mean: Duration,
    /// Median gap (nearest rank).
    pub p50: Duration,
    /// 99th percentile gap (nearest rank).
    pub p99: Duration,
    /// Longest gap.
    pub max: Duration,
}

/// The figures of one finished generation.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct GenerationSummary {
    /// The endpoint or name the tracker was started with.
    pub endpoint: String,
    /// Why it ended.
    pub finish_reason: FinishReason,
    /// Prompt tokens, when given.
    pub prompt_tokens: Option<u64>,
    /// Tokens generated.
    pub tokens_generated: u64,
    /// Arrival to scheduling.
    pub queue_time: Duration,
    /// Arrival to the first token, when there was one.
    pub time_to_first_token: Option<Duration>,
    /// Gaps between consecutive tokens, when there were at least two.
    pub inter_token_latency: Option<InterTokenLatency>,
    /// Scheduling to finish (`generation_ms`).
    pub generation_time: Duration,
    /// Tokens generated per second of generation time (`tokens_per_second`).
    pub tokens_per_second: f64,
    /// Tokens after the first per second between the first and the last token.
    pub decode_tokens_per_second: Option<f64>,
    /// Arrival to finish (`endpoint_total_ms`).
    pub end_to_end: Duration,
    /// What went wrong, for [`FinishReason::Error`].
    pub error: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Waiting,
    Running,
    Finished,
}

/// Follows one request from arrival to its last token and writes one summary line with the
/// second seed's figures (`generation_ms`, `tokens_generated`, `tokens_per_second`,
/// `endpoint_total_ms`) and `ttft_ms`, `itl_p50_ms`, `itl_p99_ms`. It keeps the monitor's
/// `Running` / `Waiting` gauges and latency histograms up to date as it goes.
///
/// ```
/// use perfmon::FinishReason;
/// let monitor = perfmon::Monitor::builder().build().unwrap();
/// let mut generation = monitor.generation("/generate").with_prompt_tokens(12);
/// generation.scheduled(); // leaves the queue
/// generation.first_token();
/// generation.tokens(3);
/// let summary = generation.finish(FinishReason::Stop);
/// assert_eq!(summary.tokens_generated, 4);
/// assert_eq!(monitor.metrics().generation_tokens.get(), 4);
/// ```
///
/// Tokens that arrive together (`tokens(n)`) share the gap since the previous arrival
/// equally, so the mean inter-token latency is (last token - first token) / (tokens - 1).
/// Percentiles are by nearest rank over the gaps. Dropped unfinished, it finishes as
/// `abort` (as `error` while a panic unwinds).
#[must_use = "the tracker finishes as `abort` when dropped; call `finish`"]
pub struct GenerationTracker {
    monitor: Monitor,
    endpoint: String,
    site: Site,
    request: Option<RequestId>,
    state: State,
    arrived: Instant,
    scheduled: Option<Instant>,
    first_token: Option<Instant>,
    last_token: Option<Instant>,
    tokens: u64,
    prompt_tokens: Option<u64>,
    gaps_ns: Vec<u64>,
}

impl Monitor {
    /// Starts tracking a request that arrives now at `endpoint`.
    pub fn generation(&self, endpoint: &str) -> GenerationTracker {
        self.generation_since(endpoint, self.0.clock.now())
    }

    /// Starts tracking a request that arrived at `arrived` (for instance when the HTTP layer
    /// took it in).
    pub fn generation_since(&self, endpoint: &str, arrived: Instant) -> GenerationTracker {
        self.0.metrics.waiting.inc();
        GenerationTracker {
            monitor: self.clone(),
            endpoint: endpoint.to_owned(),
            site: Site {
                target: self.0.target,
                function: None,
            },
            request: current_request_id(),
            state: State::Waiting,
            arrived,
            scheduled: None,
            first_token: None,
            last_token: None,
            tokens: 0,
            prompt_tokens: None,
            gaps_ns: Vec::new(),
        }
    }
}

impl GenerationTracker {
    /// Sets the prompt tokens.
    pub fn with_prompt_tokens(mut self, n: u64) -> Self {
        self.prompt_tokens = Some(n);
        self
    }

    /// Writes the summary from `target` instead of the monitor's.
    pub fn with_target(mut self, target: &'static str) -> Self {
        self.site.target = target;
        self
    }

    /// Sets the prompt tokens.
    pub fn set_prompt_tokens(&mut self, n: u64) {
        self.prompt_tokens = Some(n);
    }

    /// The request leaves the queue and its prefill starts. Called implicitly by the first
    /// token when not before.
    pub fn scheduled(&mut self) {
        if self.state != State::Waiting {
            return;
        }
        let now = self.monitor.0.clock.now();
        let m = &self.monitor.0.metrics;
        m.waiting.dec();
        m.running.inc();
        self.state = State::Running;
        self.scheduled = Some(now);
        m.request_queue_time
            .record_duration(now.saturating_duration_since(self.arrived));
        if let Some(n) = self.prompt_tokens {
            m.prompt_tokens.add(n);
        }
    }

    /// The first token arrived (the same as [`token`](Self::token) on a fresh tracker).
    pub fn first_token(&mut self) {
        self.tokens(1);
    }

    /// One more token arrived.
    pub fn token(&mut self) {
        self.tokens(1);
    }

    /// `n` more tokens arrived at once.
    pub fn tokens(&mut self, n: u64) {
        if n == 0 || self.state == State::Finished {
            return;
        }
        self.scheduled();
        let now = self.monitor.0.clock.now();
        let m = &self.monitor.0.metrics;
        let mut gaps = n;
        if self.last_token.is_none() {
            self.first_token = Some(now);
            m.time_to_first_token
                .record_duration(now.saturating_duration_since(self.arrived));
            gaps -= 1;
        }
        // The gap since the last arrival (or since the first token, within a first batch)
        // is shared by the tokens that ended it.
        if let Some(gap) =
            (now.saturating_duration_since(self.last_token.unwrap_or(now)).as_nanos() as u64).checked_div(gaps)
        {
            for _ in 0..gaps {
                self.gaps_ns.push(gap);
                m.inter_token_latency.record(gap);
            }
        }
        self.last_token = Some(now);
        self.tokens += n;
        m.generation_tokens.add(n);
    }

    /// Tokens so far.
    pub fn tokens_generated(&self) -> u64 {
        self.tokens
    }

    /// Ends the generation, writes its summary line and returns its figures.
    pub fn finish(mut self, reason: FinishReason) -> GenerationSummary {
        self.end(reason, None)
    }

    /// Ends it as failed, counting an error of `kind` (`errors_total{kind}`).
    pub fn fail(mut self, kind: &str, error: impl fmt::Display) -> GenerationSummary {
        self.monitor.record_error(kind);
        self.end(FinishReason::Error, Some(error.to_string()))
    }

    fn end(&mut self, reason: FinishReason, error: Option<String>) -> GenerationSummary {
        let now = self.monitor.0.clock.now();
        let m = &self.monitor.0.metrics;
        match self.state {
            State::Waiting => m.waiting.dec(),
            State::Running => m.running.dec(),
            State::Finished => {}
        }
        self.state = State::Finished;
        let scheduled = self.scheduled.unwrap_or(self.arrived);
        let generation_time = now.saturating_duration_since(scheduled);
        let end_to_end = now.saturating_duration_since(self.arrived);
        m.e2e_request_latency.record_duration(end_to_end);
        m.requests.with([reason.as_str()]).inc();
        m.request_generation_tokens.record(self.tokens);
        if let Some(n) = self.prompt_tokens {
            m.request_prompt_tokens.record(n);
        }
        let decode = match (self.first_token, self.last_token) {
            (Some(first), Some(last)) if self.tokens > 1 && last > first => {
                Some(per_second((self.tokens - 1) as f64, last - first))
            }
            _ => None,
        };
        let summary = GenerationSummary {
            endpoint: std::mem::take(&mut self.endpoint),
            finish_reason: reason,
            prompt_tokens: self.prompt_tokens,
            tokens_generated: self.tokens,
            queue_time: scheduled.saturating_duration_since(self.arrived),
            time_to_first_token: self.first_token.map(|t| t.saturating_duration_since(self.arrived)),
            inter_token_latency: inter_token_latency(&mut self.gaps_ns),
            generation_time,
            tokens_per_second: per_second(self.tokens as f64, generation_time),
            decode_tokens_per_second: decode,
            end_to_end,
            error,
        };
        self.log(&summary);
        summary
    }

    fn log(&self, s: &GenerationSummary) {
        let mut f: Vec<(&str, Value<'_>)> = Vec::with_capacity(16);
        f.push(("endpoint", Value::from(s.endpoint.as_str())));
        f.push(("finish_reason", Value::from(s.finish_reason.as_str())));
        if let Some(n) = s.prompt_tokens {
            f.push(("prompt_tokens", Value::from(n)));
        }
        f.push(("generation_ms", Value::from(ms(s.generation_time))));
        f.push(("tokens_generated", Value::from(s.tokens_generated)));
        f.push(("tokens_per_second", Value::from(s.tokens_per_second)));
        f.push(("endpoint_total_ms", Value::from(ms(s.end_to_end))));
        f.push(("queue_ms", Value::from(ms(s.queue_time))));
        if let Some(t) = s.time_to_first_token {
            f.push(("ttft_ms", Value::from(ms(t))));
        }
        if let Some(itl) = &s.inter_token_latency {
            f.push(("itl_mean_ms", Value::from(ms(itl.mean))));
            f.push(("itl_p50_ms", Value::from(ms(itl.p50))));
            f.push(("itl_p99_ms", Value::from(ms(itl.p99))));
            f.push(("itl_max_ms", Value::from(ms(itl.max))));
        }
        if let Some(d) = s.decode_tokens_per_second {
            f.push(("decode_tokens_per_second", Value::from(d)));
        }
        let (level, outcome) = match s.finish_reason {
            FinishReason::Stop | FinishReason::Length => (log::Level::Info, "finished"),
            FinishReason::Abort => (log::Level::Warn, "aborted"),
            FinishReason::Error => (log::Level::Warn, "failed"),
        };
        match &s.error {
            Some(e) => emit(
                level,
                self.site,
                self.request,
                format_args!("Generation {outcome}: {e}"),
                &f,
            ),
            None => emit(level, self.site, self.request, format_args!("Generation {outcome}"), &f),
        }
    }
}

/// Mean, nearest-rank p50 and p99, and max of the gaps (sorted in place).
fn inter_token_latency(gaps_ns: &mut [u64]) -> Option<InterTokenLatency> {
    if gaps_ns.is_empty() {
        return None;
    }
    gaps_ns.sort_unstable();
    let n = gaps_ns.len();
    let rank = |p: f64| gaps_ns[((p * n as f64).ceil() as usize).clamp(1, n) - 1];
    let sum: u128 = gaps_ns.iter().map(|&g| u128::from(g)).sum();
    Some(InterTokenLatency {
        mean: Duration::from_nanos((sum / n as u128) as u64),
        p50: Duration::from_nanos(rank(0.50)),
        p99: Duration::from_nanos(rank(0.99)),
        max: Duration::from_nanos(gaps_ns[n - 1]),
    })
}

impl Drop for GenerationTracker {
    fn drop(&mut self) {
        if self.state != State::Finished {
            let reason = if std::thread::panicking() {
                FinishReason::Error
            } else {
                FinishReason::Abort
            };
            self.end(
                reason,
                std::thread::panicking().then(|| "dropped while a panic unwound".to_owned()),
            );
        }
    }
}

impl fmt::Debug for GenerationTracker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenerationTracker")
            .field("endpoint", &self.endpoint)
            .field("state", &self.state)
            .field("tokens", &self.tokens)
            .finish_non_exhaustive()
    }
}
