//! The periodic throughput line, in the shape operators know from vLLM:
//! `Avg prompt throughput: X tokens/s, Avg generation throughput: Y tokens/s, Running: R reqs,
//! Waiting: W reqs, GPU memory: ...`, followed by the process's resources.

use std::fmt;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use crate::emit::{Site, emit, per_second};
use crate::{Monitor, ProcessStats};

/// One interval's figures.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ThroughputReport {
    /// The interval they cover.
    pub interval: Duration,
    /// Prompt tokens prefilled per second.
    pub prompt_tokens_per_second: f64,
    /// Tokens generated per second.
    pub generation_tokens_per_second: f64,
    /// Requests being generated now.
    pub running: u64,
    /// Requests waiting now.
    pub waiting: u64,
    /// What the GPU sampler last said, if one runs.
    pub gpu: Option<String>,
    /// The process's resources, where `/proc` can be read.
    pub process: Option<ProcessStats>,
    /// CPU use over the interval, percent of one core.
    pub cpu_percent: Option<f64>,
}

impl ThroughputReport {
    /// No tokens moved and no request is running or waiting.
    pub fn is_idle(&self) -> bool {
        self.prompt_tokens_per_second == 0.0
            && self.generation_tokens_per_second == 0.0
            && self.running == 0
            && self.waiting == 0
    }
}

impl fmt::Display for ThroughputReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Avg prompt throughput: {:.1} tokens/s, Avg generation throughput: {:.1} tokens/s, \
             Running: {} reqs, Waiting: {} reqs, GPU memory: {}",
            self.prompt_tokens_per_second,
            self.generation_tokens_per_second,
            self.running,
            self.waiting,
            self.gpu.as_deref().unwrap_or("not sampled"),
        )?;
        if let Some(p) = &self.process {
            write!(f, ", RSS: {:.1}MB", p.resident_bytes as f64 / 1e6)?;
            if let Some(cpu) = self.cpu_percent {
                write!(f, ", CPU: {cpu:.1}%")?;
            }
            write!(f, ", FDs: {}", p.open_fds)?;
        }
        Ok(())
    }
}

/// Works out each interval's figures from the monitor's counters; [`tick`](Self::tick) at
/// each interval (the [`ReporterGuard`]'s thread does).
#[derive(Debug)]
pub struct Reporter {
    monitor: Monitor,
    last_at: Instant,
    last_prompt: u64,
    last_generation: u64,
    last_cpu: Option<f64>,
}

impl Monitor {
    /// A reporter starting now.
    pub fn reporter(&self) -> Reporter {
        let m = &self.0.metrics;
        Reporter {
            monitor: self.clone(),
            last_at: self.0.clock.now(),
            last_prompt: m.prompt_tokens.get(),
            last_generation: m.generation_tokens.get(),
            last_cpu: ProcessStats::read().ok().map(|p| p.cpu_seconds),
        }
    }

    /// Writes the periodic line every [`report_interval`](Self::report_interval) on a thread
    /// named `perf-reporter`, until the guard is dropped.
    pub fn start_reporter(&self) -> std::io::Result<ReporterGuard> {
        ReporterGuard::start(self.reporter(), self.0.report_interval)
    }
}

impl Reporter {
    /// The figures since the last tick, also written as the periodic line: at INFO, or at
    /// DEBUG when idle.
    pub fn tick(&mut self) -> ThroughputReport {
        let m = &self.monitor.0.metrics;
        let now = self.monitor.0.clock.now();
        let interval = now.saturating_duration_since(self.last_at);
        let rate = |now: u64, before: u64| per_second(now.saturating_sub(before) as f64, interval);
        let (prompt, generation) = (m.prompt_tokens.get(), m.generation_tokens.get());
        let (running, waiting) = m.running_and_waiting();
        let process = ProcessStats::read().ok();
        let cpu = process.map(|p| p.cpu_seconds);
        let cpu_percent = match (cpu, self.last_cpu) {
            (Some(now), Some(before)) if !interval.is_zero() => Some(per_second((now - before) * 100.0, interval)),
            _ => None,
        };
        let report = ThroughputReport {
            interval,
            prompt_tokens_per_second: rate(prompt, self.last_prompt),
            generation_tokens_per_second: rate(generation, self.last_generation),
            running,
            waiting,
            gpu: self.monitor.gpu_summary(),
            process,
            cpu_percent,
        };
        (self.last_at, self.last_prompt, self.last_generation, self.last_cpu) = (now, prompt, generation, cpu);
        let level = if report.is_idle() {
            log::Level::Debug
        } else {
            log::Level::Info
        };
        let site = Site {
            target: self.monitor.0.target,
            function: None,
        };
        emit(level, site, None, format_args!("{report}"), &[]);
        report
    }
}

struct Stop {
    stopped: Mutex<bool>,
    wake: Condvar,
}

/// Runs a [`Reporter`] on its own thread; dropping it stops the thread at once.
#[must_use = "the reporter stops when the guard is dropped"]
pub struct ReporterGuard {
    stop: Arc<Stop>,
    thread: Option<JoinHandle<()>>,
}

impl ReporterGuard {
    fn start(mut reporter: Reporter, interval: Duration) -> std::io::Result<Self> {
        let stop = Arc::new(Stop {
            stopped: Mutex::new(false),
            wake: Condvar::new(),
        });
        let shared = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("perf-reporter".into())
            .spawn(move || {
                let mut stopped = shared.stopped.lock();
                while !*stopped {
                    if shared.wake.wait_for(&mut stopped, interval).timed_out() {
                        drop(stopped);
                        reporter.tick();
                        stopped = shared.stopped.lock();
                    }
                }
            })?;
        Ok(ReporterGuard {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for ReporterGuard {
    fn drop(&mut self) {
        *self.stop.stopped.lock() = true;
        self.stop.wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl fmt::Debug for ReporterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReporterGuard").finish_non_exhaustive()
    }
}
