//! The timer guard: the seeds' `get_model_performance_logger(logger, "text_generation",
//! prompt_tokens)` and its `set_completion_tokens`.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use log::kv::Value;
use logcore::{RequestId, current_request_id};

use crate::clock::Clock;
use crate::emit::{Site, emit, enabled, ms, per_second};
use crate::{Monitor, Operation};

/// How one timed run went.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct TimerReport {
    /// The operation's name.
    pub operation: Arc<str>,
    /// How long it took.
    pub duration: Duration,
    /// Prompt tokens, when given.
    pub prompt_tokens: Option<u64>,
    /// Completion tokens, when given.
    pub completion_tokens: Option<u64>,
    /// Completion tokens per second of the run, when completion tokens were given.
    pub tokens_per_second: Option<f64>,
    /// Whether it took longer than its slow threshold.
    pub slow: bool,
    /// Why it failed, when it did.
    pub failure: Option<String>,
}

/// What one stop worked out, before it is logged.
struct Outcome {
    duration: Duration,
    tokens_per_second: Option<f64>,
    slow: bool,
    failure: Option<String>,
}

/// Times one operation from its start until it is dropped (or [`finish`](Self::finish)ed),
/// then writes one line with the duration, tokens and tokens per second, and a WARNING when it
/// was slow. Start it with [`timer!`](crate::timer!), [`Monitor::timer`] or
/// [`Operation::start`].
///
/// ```
/// let mut perf = perfmon::timer!("text_generation", prompt_tokens = 100);
/// // ... generate ...
/// perf.set_completion_tokens(150);
/// drop(perf); // "text_generation completed duration_ms=... completion_tokens=150 tokens_per_second=..."
/// ```
///
/// Dropped while a panic unwinds, or after [`fail`](Self::fail), it is logged as failed.
#[must_use = "the timer measures until it is dropped; bind it to a variable such as `_perf` or `perf`"]
pub struct OperationTimer {
    clock: Clock,
    operation: Operation,
    site: Site,
    request: Option<RequestId>,
    start: Instant,
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
    failure: Option<String>,
    slow_after: Duration,
    done: bool,
}

impl Operation {
    /// Starts timing a run of this operation.
    pub fn start(&self, monitor: &Monitor) -> OperationTimer {
        self.start_at(
            monitor,
            Site {
                target: monitor.0.target,
                function: None,
            },
        )
    }

    /// Starts timing, logging from `site`.
    #[doc(hidden)]
    pub fn start_at(&self, monitor: &Monitor, site: Site) -> OperationTimer {
        OperationTimer {
            clock: monitor.0.clock.clone(),
            operation: self.clone(),
            site,
            request: current_request_id(),
            start: monitor.0.clock.now(),
            prompt_tokens: None,
            completion_tokens: None,
            failure: None,
            slow_after: self.0.slow_threshold,
            done: false,
        }
    }
}

impl Monitor {
    /// Starts timing `operation`; the lines go to this monitor's target (`perf`). The macro
    /// [`timer!`](crate::timer!) uses the caller's module and function instead.
    pub fn timer(&self, operation: &str) -> OperationTimer {
        self.operation(operation).start(self)
    }
}

impl OperationTimer {
    /// Sets the prompt tokens.
    pub fn with_prompt_tokens(mut self, n: u64) -> Self {
        self.prompt_tokens = Some(n);
        self
    }

    /// Overrides the slow threshold for this run.
    pub fn slow_after(mut self, threshold: Duration) -> Self {
        self.slow_after = threshold;
        self
    }

    /// Logs the lines as belonging to this request (by default the one current at start).
    pub fn for_request(mut self, id: RequestId) -> Self {
        self.request = Some(id);
        self
    }

    /// Sets the prompt tokens.
    pub fn set_prompt_tokens(&mut self, n: u64) {
        self.prompt_tokens = Some(n);
    }

    /// Sets the completion tokens, from which tokens per second are worked out.
    pub fn set_completion_tokens(&mut self, n: u64) {
        self.completion_tokens = Some(n);
    }

    /// Marks the run failed with `err`'s message.
    pub fn record_error(&mut self, err: &(dyn std::error::Error + 'static)) {
        self.failure = Some(err.to_string());
    }

    /// Marks the run failed for `reason`.
    pub fn fail(&mut self, reason: impl fmt::Display) {
        self.failure = Some(reason.to_string());
    }

    /// How long it has run so far.
    pub fn elapsed(&self) -> Duration {
        self.clock.now().saturating_duration_since(self.start)
    }

    /// The request the lines belong to.
    pub fn request_id(&self) -> Option<RequestId> {
        self.request
    }

    /// Stops the timer, writes its lines and returns the figures.
    pub fn finish(mut self) -> TimerReport {
        let o = self.stop();
        TimerReport {
            operation: Arc::clone(&self.operation.0.name),
            duration: o.duration,
            prompt_tokens: self.prompt_tokens,
            completion_tokens: self.completion_tokens,
            tokens_per_second: o.tokens_per_second,
            slow: o.slow,
            failure: o.failure,
        }
    }

    /// Records and logs the run; what a drop discards is not worth a report.
    fn stop(&mut self) -> Outcome {
        self.done = true;
        let duration = self.elapsed();
        if self.failure.is_none() && std::thread::panicking() {
            self.failure = Some("dropped while a panic unwound".to_owned());
        }
        let op = &self.operation.0;
        op.duration.record_duration(duration);
        let slow = duration > self.slow_after;
        if slow {
            op.slow.inc();
        }
        if self.failure.is_some() {
            op.failures.inc();
        }
        let outcome = Outcome {
            duration,
            tokens_per_second: self.completion_tokens.map(|n| per_second(n as f64, duration)),
            slow,
            failure: self.failure.take(),
        };
        self.log(&outcome);
        outcome
    }

    fn log(&self, r: &Outcome) {
        let level = if r.failure.is_some() {
            log::Level::Warn
        } else {
            log::Level::Info
        };
        let target = self.site.target;
        let wanted = enabled(level, target) || (r.slow && enabled(log::Level::Warn, target));
        if !wanted {
            return;
        }
        let mut fields: Vec<(&str, Value<'_>)> = Vec::with_capacity(6);
        fields.push(("duration_ms", Value::from(ms(r.duration))));
        if let Some(n) = self.prompt_tokens {
            fields.push(("prompt_tokens", Value::from(n)));
        }
        if let Some(n) = self.completion_tokens {
            fields.push(("completion_tokens", Value::from(n)));
            fields.push(("total_tokens", Value::from(n + self.prompt_tokens.unwrap_or(0))));
        }
        if let Some(tps) = r.tokens_per_second {
            fields.push(("tokens_per_second", Value::from(tps)));
        }
        let op = &self.operation.0.name;
        match &r.failure {
            None => emit(
                log::Level::Info,
                self.site,
                self.request,
                format_args!("{op} completed"),
                &fields,
            ),
            Some(why) => emit(
                log::Level::Warn,
                self.site,
                self.request,
                format_args!("{op} failed: {why}"),
                &fields,
            ),
        }
        if r.slow {
            let threshold = [("threshold_ms", Value::from(ms(self.slow_after)))];
            emit(
                log::Level::Warn,
                self.site,
                self.request,
                format_args!(
                    "Slow operation: {op} took {:.2} s (threshold {:.2} s)",
                    r.duration.as_secs_f64(),
                    self.slow_after.as_secs_f64()
                ),
                &[fields[0].clone(), threshold[0].clone()],
            );
        }
    }
}

impl Drop for OperationTimer {
    fn drop(&mut self) {
        if !self.done {
            self.stop();
        }
    }
}

impl fmt::Debug for OperationTimer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OperationTimer")
            .field("operation", &self.operation.0.name)
            .field("elapsed", &self.elapsed())
            .field("prompt_tokens", &self.prompt_tokens)
            .field("completion_tokens", &self.completion_tokens)
            .field("failure", &self.failure)
            .finish()
    }
}

/// Starts an [`OperationTimer`] on the global monitor, logging from the caller's module and
/// function: `timer!("text_generation")`, `timer!("text_generation", prompt_tokens = n)`.
#[macro_export]
macro_rules! timer {
    ($operation:expr $(,)?) => {
        $crate::global().operation($operation).start_at(
            $crate::global(),
            $crate::Site {
                target: ::core::module_path!(),
                function: ::core::option::Option::Some($crate::__private::__function!()),
            },
        )
    };
    ($operation:expr, prompt_tokens = $tokens:expr $(,)?) => {
        $crate::timer!($operation).with_prompt_tokens(($tokens) as u64)
    };
}
