//! The seeds' batch logging: a request id and a timer per item, and one summary line for the
//! batch.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use log::kv::Value;
use logcore::{RequestId, RequestScope, current_request_id};
use serde::Serialize;

use crate::emit::{Site, emit, ms, per_second};
use crate::{Monitor, OperationTimer, TimerReport};

/// The operation name of each item's timer.
pub const BATCH_ITEM_OPERATION: &str = "batch_item";

#[derive(Default)]
struct Totals {
    next_index: AtomicU64,
    items: AtomicU64,
    failures: AtomicU64,
    prompt_tokens: AtomicU64,
    completion_tokens: AtomicU64,
}

/// The figures of a finished batch.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct BatchSummary {
    /// The batch's name.
    pub name: String,
    /// The batch's request id; item ids are this id, a dot and the item's number.
    pub id: String,
    /// Items announced at the start.
    pub expected: usize,
    /// Items finished.
    pub items: u64,
    /// Items that failed.
    pub failures: u64,
    /// Prompt tokens of every item.
    pub prompt_tokens: u64,
    /// Completion tokens of every item.
    pub completion_tokens: u64,
    /// Both.
    pub total_tokens: u64,
    /// From start to finish.
    pub duration: Duration,
    /// Completion tokens per second of the whole batch.
    pub tokens_per_second: f64,
    /// Items per second.
    pub items_per_second: f64,
}

/// A batch of items processed together: logs its start, gives each item a request id and a
/// timer, and logs one summary line (items, failures, total tokens, throughput) at the end.
///
/// ```
/// let monitor = perfmon::Monitor::builder().build().unwrap();
/// let batch = monitor.batch("batch_processor", 2);
/// for completion in [40, 60] {
///     let mut item = batch.item();
///     let _scope = item.enter(); // lines logged here carry the item's id, `<batch id>.<n>`
///     item.set_completion_tokens(completion);
/// }
/// let summary = batch.finish();
/// assert_eq!((summary.items, summary.failures, summary.completion_tokens), (2, 0, 100));
/// ```
#[must_use = "the batch logs its summary when finished or dropped"]
pub struct Batch {
    monitor: Monitor,
    name: String,
    id: RequestId,
    expected: usize,
    start: Instant,
    totals: Arc<Totals>,
    done: bool,
}

impl Monitor {
    /// Starts a batch of `expected` items; its id is the current request's, or a new one.
    pub fn batch(&self, name: &str, expected: usize) -> Batch {
        let id = current_request_id().unwrap_or_else(RequestId::generate);
        let batch = Batch {
            monitor: self.clone(),
            name: name.to_owned(),
            id,
            expected,
            start: self.0.clock.now(),
            totals: Arc::default(),
            done: false,
        };
        emit(
            log::Level::Info,
            batch.site(),
            Some(id),
            format_args!("Starting batch processing: {name}, {expected} items"),
            &[("batch_size", Value::from(expected as u64))],
        );
        batch
    }
}

impl Batch {
    /// The batch's request id.
    pub fn id(&self) -> RequestId {
        self.id
    }

    fn site(&self) -> Site {
        Site {
            target: self.monitor.0.target,
            function: None,
        }
    }

    /// The next item: its number (from 1), its request id and its timer.
    pub fn item(&self) -> BatchItem {
        let index = self.totals.next_index.fetch_add(1, Ordering::Relaxed) + 1;
        // The batch id is at most 64 safe characters; past that the item keeps the batch's id.
        let id = RequestId::parse(&format!("{}.{index}", self.id)).unwrap_or(self.id);
        let timer = self
            .monitor
            .operation(BATCH_ITEM_OPERATION)
            .start(&self.monitor)
            .for_request(id);
        BatchItem {
            timer: Some(timer),
            totals: Arc::clone(&self.totals),
            index,
            id,
        }
    }

    /// Ends the batch and writes its summary line.
    pub fn finish(mut self) -> BatchSummary {
        self.end()
    }

    fn end(&mut self) -> BatchSummary {
        self.done = true;
        let t = &self.totals;
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let duration = self.monitor.0.clock.now().saturating_duration_since(self.start);
        let (prompt, completion) = (load(&t.prompt_tokens), load(&t.completion_tokens));
        let s = BatchSummary {
            name: self.name.clone(),
            id: self.id.to_string(),
            expected: self.expected,
            items: load(&t.items),
            failures: load(&t.failures),
            prompt_tokens: prompt,
            completion_tokens: completion,
            total_tokens: prompt + completion,
            duration,
            tokens_per_second: per_second(completion as f64, duration),
            items_per_second: per_second(load(&t.items) as f64, duration),
        };
        let level = if s.failures > 0 || s.items != s.expected as u64 {
            log::Level::Warn
        } else {
            log::Level::Info
        };
        emit(
            level,
            self.site(),
            Some(self.id),
            format_args!("Batch processing completed: {}", s.name),
            &[
                ("items", Value::from(s.items)),
                ("expected", Value::from(s.expected as u64)),
                ("failures", Value::from(s.failures)),
                ("total_tokens", Value::from(s.total_tokens)),
                ("duration_ms", Value::from(ms(duration))),
                ("tokens_per_second", Value::from(s.tokens_per_second)),
                ("items_per_second", Value::from(s.items_per_second)),
            ],
        );
        s
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        if !self.done {
            self.end();
        }
    }
}

impl fmt::Debug for Batch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Batch")
            .field("name", &self.name)
            .field("id", &self.id)
            .field("expected", &self.expected)
            .finish_non_exhaustive()
    }
}

/// One item of a [`Batch`]: a request id and a `batch_item` timer, counted into the batch's
/// totals when it finishes or is dropped.
#[must_use = "the item is timed until it is dropped"]
pub struct BatchItem {
    timer: Option<OperationTimer>,
    totals: Arc<Totals>,
    index: u64,
    id: RequestId,
}

impl BatchItem {
    /// The item's number, from 1.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The item's request id.
    pub fn id(&self) -> RequestId {
        self.id
    }

    /// Makes the item's id the current thread's request id until the scope is dropped.
    pub fn enter(&self) -> RequestScope {
        RequestScope::enter(self.id)
    }

    fn timer(&mut self) -> &mut OperationTimer {
        self.timer.as_mut().expect("the timer lives until the item ends")
    }

    /// Sets the item's prompt tokens.
    pub fn set_prompt_tokens(&mut self, n: u64) {
        self.timer().set_prompt_tokens(n);
    }

    /// Sets the item's completion tokens.
    pub fn set_completion_tokens(&mut self, n: u64) {
        self.timer().set_completion_tokens(n);
    }

    /// Marks the item failed for `reason`.
    pub fn fail(&mut self, reason: impl fmt::Display) {
        self.timer().fail(reason);
    }

    /// Ends the item and returns its timer's figures.
    pub fn finish(mut self) -> TimerReport {
        self.end()
    }

    fn end(&mut self) -> TimerReport {
        let report = self.timer.take().expect("an item ends once").finish();
        let t = &self.totals;
        t.items.fetch_add(1, Ordering::Relaxed);
        if report.failure.is_some() {
            t.failures.fetch_add(1, Ordering::Relaxed);
        }
        t.prompt_tokens
            .fetch_add(report.prompt_tokens.unwrap_or(0), Ordering::Relaxed);
        t.completion_tokens
            .fetch_add(report.completion_tokens.unwrap_or(0), Ordering::Relaxed);
        report
    }
}

impl Drop for BatchItem {
    fn drop(&mut self) {
        if self.timer.is_some() {
            self.end();
        }
    }
}

impl fmt::Debug for BatchItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchItem")
            .field("index", &self.index)
            .field("id", &self.id)
            .field("timer", &self.timer)
            .finish()
    }
}
