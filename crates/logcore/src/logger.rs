//! The logger: level checks, the sink registry, and the path of one record to every sink.
//!
//! Levels are atomics. The sinks and per-target directives live in an immutable snapshot that
//! is replaced whole on every change; each thread keeps the snapshot it last used and swaps
//! it only when a shared generation counter says it is stale, so the logging path takes no
//! lock and touches no shared cache line except that counter.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use logfmt::{Event, Fields, Level, Timestamp};
use parking_lot::{Mutex, RwLock};

use crate::Clock;
use crate::capture::capture_frame;
use crate::deferred::{Fanout, Slots};
use crate::level::AtomicLevelFilter;
use crate::stats::{LevelCounters, TargetCache, TargetRegistry, thread_shard};
use crate::{
    Diagnostics, Directives, Error, LevelFilter, LineBuf, NonBlocking, NonBlockingBuilder, RequestId, Sink,
    SinkOptions, SinkReport, Stats, WorkerGuard, current_request_id,
};

/// A sink with its name and filter, as registered.
pub(crate) struct SinkEntry {
    pub(crate) name: String,
    pub(crate) level: AtomicLevelFilter,
    pub(crate) options: SinkOptions,
    pub(crate) sink: Box<dyn Sink>,
    /// The sink's bit on the logger's worker, when it takes its records there.
    pub(crate) slot: Option<u8>,
}

impl SinkEntry {
    fn accepts(&self, level: Level, target: &str) -> bool {
        self.level.get().allows(level) && self.options.accepts_target(target)
    }
}

/// The parts of the configuration that change only by replacing them whole.
pub(crate) struct Snapshot {
    generation: u64,
    pub(crate) directives: Directives,
    pub(crate) sinks: Vec<Arc<SinkEntry>>,
    /// Whether records go to the deferred sinks through the logger's worker: when there are
    /// two or more. A single one is cheapest served on the caller's thread, and that keeps a
    /// flood of records from many threads formatted in parallel.
    defer: bool,
}

fn defers(sinks: &[Arc<SinkEntry>]) -> bool {
    sinks.iter().filter(|s| s.slot.is_some()).count() >= 2
}

pub(crate) struct Inner {
    id: u64,
    pub(crate) global: AtomicLevelFilter,
    generation: AtomicU64,
    snapshot: RwLock<Arc<Snapshot>>,
    // Serialises changes so each builds on the one before.
    edit: Mutex<()>,
    counters: LevelCounters,
    targets: TargetRegistry,
    started: Instant,
    clock: Option<Arc<dyn Clock>>,
    pub(crate) log_body: AtomicBool,
    // usize::MAX: not set.
    pub(crate) max_body_chars: AtomicUsize,
    pub(crate) installed: AtomicBool,
    recursion_dropped: AtomicU64,
    panicked_records: AtomicU64,
    diagnostics: Diagnostics,
    pub(crate) shutdown_timeout: Duration,
    pub(crate) panic_hook: bool,
    /// The logger's worker, started with the first deferred sink: it hands captured records to
    /// the deferred sinks in `slots`.
    pub(crate) queue_builder: NonBlockingBuilder,
    worker: OnceLock<(NonBlocking, WorkerGuard)>,
    slots: Arc<Mutex<Slots>>,
    /// Records queued on the worker and not yet handed to their sinks. While there are any,
    /// every record for a deferred sink is queued too, so none overtakes an earlier one.
    queued: Arc<AtomicU64>,
}

/// The logger. Cheap to clone; every clone is the same logger.
///
/// Installed with [`install`](crate::install) it receives every `log` record of the process;
/// as a plain value it can be driven directly, which is how tests use several at once.
#[derive(Clone)]
pub struct Logger {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for Logger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Logger")
            .field("level", &self.level())
            .field("sinks", &self.sink_names())
            .finish()
    }
}

/// One record on its way to the sinks, whatever made it (`log`, a helper, the panic hook).
pub(crate) struct Record<'a> {
    pub(crate) level: Level,
    pub(crate) target: &'a str,
    pub(crate) function: Option<&'a str>,
    pub(crate) file: Option<&'a str>,
    pub(crate) line: Option<u32>,
    pub(crate) message: &'a dyn fmt::Display,
    pub(crate) fields: &'a dyn Fields,
    pub(crate) details: &'a [&'a dyn fmt::Display],
    /// Overrides the current request scope.
    pub(crate) request_id: Option<RequestId>,
}

/// Renders `message` into `into`; false when its `Display` panicked (each sink then meets
/// the panic itself, and counts the record as it does for one sink).
fn render_once(into: &mut String, message: &dyn fmt::Display) -> bool {
    use std::fmt::Write as _;
    into.clear();
    let rendered = catch_unwind(AssertUnwindSafe(|| write!(into, "{message}").is_ok()));
    if into.capacity() > 64 << 10 {
        // One huge message should not stay with the thread for good.
        into.shrink_to(4 << 10);
    }
    rendered.unwrap_or(false)
}

/// What each thread keeps between records.
struct Local {
    logger: u64,
    generation: u64,
    snapshot: Option<Arc<Snapshot>>,
    line: LineBuf,
    // The message rendered once for a record that several sinks take.
    message: String,
    // The record captured for the deferred sinks.
    captured: Vec<u8>,
    targets: TargetCache,
    thread: Option<String>,
    shard: usize,
}

impl Local {
    fn new() -> Self {
        Local {
            logger: 0,
            generation: 0,
            snapshot: None,
            line: LineBuf::new(),
            message: String::new(),
            captured: Vec::new(),
            targets: TargetCache::default(),
            thread: None,
            shard: thread_shard(),
        }
    }
}

thread_local! {
    static LOCAL: RefCell<Local> = RefCell::new(Local::new());
    // Records made while formatting another record (a `Display` that logs) on this thread.
    static DEPTH: Cell<u8> = const { Cell::new(0) };
}

/// How deep a `Display` implementation may log from inside a log call before records drop.
const MAX_DEPTH: u8 = 4;

struct RestoreDepth(u8);

impl Drop for RestoreDepth {
    fn drop(&mut self) {
        let _ = DEPTH.try_with(|d| d.set(self.0));
    }
}

static NEXT_LOGGER_ID: AtomicU64 = AtomicU64::new(1);

/// The name of the logger's worker thread, which serves the deferred sinks.
pub(crate) const WORKER_THREAD: &str = "logcore-sinks";

/// The current thread's name, or its id when it has none.
pub(crate) fn thread_label() -> String {
    let current = std::thread::current();
    match current.name() {
        Some(name) => name.to_owned(),
        None => format!("{:?}", current.id()),
    }
}

impl Logger {
    pub(crate) fn new(level: LevelFilter, directives: Directives, clock: Option<Arc<dyn Clock>>) -> Self {
        Logger {
            inner: Arc::new(Inner {
                id: NEXT_LOGGER_ID.fetch_add(1, Ordering::Relaxed),
                global: AtomicLevelFilter::new(level),
                generation: AtomicU64::new(1),
                snapshot: RwLock::new(Arc::new(Snapshot {
                    generation: 1,
                    directives,
                    sinks: Vec::new(),
                    defer: false,
                })),
                edit: Mutex::new(()),
                counters: LevelCounters::new(),
                targets: TargetRegistry::new(),
                started: Instant::now(),
                clock,
                log_body: AtomicBool::new(false),
                max_body_chars: AtomicUsize::new(usize::MAX),
                installed: AtomicBool::new(false),
                recursion_dropped: AtomicU64::new(0),
                panicked_records: AtomicU64::new(0),
                diagnostics: Diagnostics::new("logger"),
                shutdown_timeout: Duration::from_secs(5),
                panic_hook: true,
                queue_builder: NonBlockingBuilder::default().thread_name(WORKER_THREAD),
                worker: OnceLock::new(),
                slots: Arc::new(Mutex::new(Slots::new())),
                queued: Arc::new(AtomicU64::new(0)),
            }),
        }
    }

    pub(crate) fn inner_mut(&mut self) -> &mut Inner {
        Arc::get_mut(&mut self.inner).expect("configured before it is shared")
    }

    /// The current time by this logger's clock.
    pub fn now(&self) -> Timestamp {
        match &self.inner.clock {
            Some(clock) => clock.now(),
            None => Timestamp::now(),
        }
    }

    fn current(&self) -> Arc<Snapshot> {
        Arc::clone(&self.inner.snapshot.read())
    }

    /// Replaces the snapshot with `change` applied to a copy of it.
    fn edit<R>(&self, change: impl FnOnce(&mut Directives, &mut Vec<Arc<SinkEntry>>) -> R) -> R {
        let _serial = self.inner.edit.lock();
        let old = self.current();
        let mut directives = old.directives.clone();
        let mut sinks = old.sinks.clone();
        let result = change(&mut directives, &mut sinks);
        let generation = old.generation + 1;
        *self.inner.snapshot.write() = Arc::new(Snapshot {
            generation,
            defer: defers(&sinks),
            directives,
            sinks,
        });
        self.inner.generation.store(generation, Ordering::Release);
        self.update_max_level_locked();
        result
    }

    /// Tells the `log` crate the most verbose level anything could want, so that a disabled
    /// record costs only its one relaxed load.
    fn update_max_level_locked(&self) {
        if !self.inner.installed.load(Ordering::Relaxed) {
            return;
        }
        let snap = self.current();
        let logger = match snap.directives.most_verbose() {
            Some(d) => self.level().most_verbose(d),
            None => self.level(),
        };
        let sinks = snap
            .sinks
            .iter()
            .map(|s| s.level.get())
            .reduce(LevelFilter::most_verbose)
            .unwrap_or(LevelFilter::Off);
        log::set_max_level(logger.least_verbose(sinks).to_log());
    }

    pub(crate) fn update_max_level(&self) {
        let _serial = self.inner.edit.lock();
        self.update_max_level_locked();
    }

    /// The global level.
    pub fn level(&self) -> LevelFilter {
        self.inner.global.get()
    }

    /// Changes the global level; every thread sees it from its next record.
    pub fn set_level(&self, level: LevelFilter) {
        self.inner.global.set(level);
        self.update_max_level();
    }

    /// Sets the level of records from `target` and the targets under it.
    pub fn set_target_level(&self, target: &str, level: LevelFilter) {
        self.edit(|d, _| d.set(target, level));
    }

    /// Removes the level set for exactly `target`; returns whether there was one.
    pub fn clear_target_level(&self, target: &str) -> bool {
        self.edit(|d, _| d.remove(target))
    }

    /// Changes the level of the sink called `name`.
    pub fn set_sink_level(&self, name: &str, level: LevelFilter) -> Result<(), Error> {
        let snap = self.current();
        let entry = snap
            .sinks
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| Error::NoSuchSink(name.to_owned()))?;
        entry.level.set(level);
        self.update_max_level();
        Ok(())
    }

    /// Changes the console sink's level (`CONSOLE_LOG_LEVEL`).
    pub fn set_console_level(&self, level: LevelFilter) -> Result<(), Error> {
        self.set_sink_level(crate::CONSOLE_SINK, level)
    }

    /// Adds a sink under a unique `name`; it receives records from the next one on.
    pub fn add_sink(&self, name: &str, sink: impl Sink, options: SinkOptions) -> Result<(), Error> {
        self.add_boxed_sink(name, Box::new(sink), options)
    }

    /// [`add_sink`](Self::add_sink) for a boxed sink.
    pub fn add_boxed_sink(&self, name: &str, sink: Box<dyn Sink>, options: SinkOptions) -> Result<(), Error> {
        self.edit(|_, sinks| {
            if sinks.iter().any(|s| s.name == name) {
                return Err(Error::SinkExists(name.to_owned()));
            }
            let slot = match sink.deferred() {
                Some(deferred) => {
                    self.start_worker(name)?;
                    // With every bit taken the sink is served on callers' threads instead.
                    self.inner.slots.lock().insert(deferred)
                }
                None => None,
            };
            sinks.push(Arc::new(SinkEntry {
                name: name.to_owned(),
                level: AtomicLevelFilter::new(options.level),
                options,
                sink,
                slot,
            }));
            Ok(())
        })
    }

    /// The logger's worker queue, once a deferred sink started it.
    fn queue(&self) -> Option<&NonBlocking> {
        self.inner.worker.get().map(|(queue, _)| queue)
    }

    /// Starts the logger's worker unless it runs; called under the edit lock.
    fn start_worker(&self, sink: &str) -> Result<(), Error> {
        if self.inner.worker.get().is_some() {
            return Ok(());
        }
        let fanout = Fanout {
            slots: Arc::clone(&self.inner.slots),
            queued: Arc::clone(&self.inner.queued),
            diagnostics: Diagnostics::new(WORKER_THREAD),
        };
        let (queue, guard) = self
            .inner
            .queue_builder
            .clone()
            .spawn(fanout)
            .map_err(|source| Error::Spawn {
                sink: sink.to_owned(),
                source,
            })?;
        let _ = self.inner.worker.set((queue, guard));
        Ok(())
    }

    /// Removes the sink called `name`, draining it first (up to the shutdown timeout).
    pub fn remove_sink(&self, name: &str) -> Result<(), Error> {
        let removed = self.edit(|_, sinks| {
            let index = sinks.iter().position(|s| s.name == name);
            index.map(|i| sinks.remove(i))
        });
        let entry = removed.ok_or_else(|| Error::NoSuchSink(name.to_owned()))?;
        if let Some(bit) = entry.slot {
            // Whatever was queued for it reaches it before it goes.
            if let Some(queue) = self.queue() {
                queue.flush(self.inner.shutdown_timeout);
            }
            drop(self.inner.slots.lock().remove(bit));
        }
        entry.sink.shutdown(self.inner.shutdown_timeout);
        Ok(())
    }

    /// The names of the registered sinks, in order.
    pub fn sink_names(&self) -> Vec<String> {
        self.current().sinks.iter().map(|s| s.name.clone()).collect()
    }

    /// Whether a record at `level` from `target` would reach at least one sink.
    pub fn enabled(&self, level: Level, target: &str) -> bool {
        let snap = self.current();
        self.passes_levels(&snap, level, target) && snap.sinks.iter().any(|s| s.accepts(level, target))
    }

    fn passes_levels(&self, snap: &Snapshot, level: Level, target: &str) -> bool {
        let global = self.inner.global.get();
        let filter = if snap.directives.has_targets() {
            snap.directives.level_for(target).unwrap_or(global)
        } else {
            global
        };
        filter.allows(level)
    }

    /// Waits until every sink has written what it took, up to `timeout` each; returns whether
    /// all did.
    pub fn flush_timeout(&self, timeout: Duration) -> bool {
        // Every sink is flushed even when an earlier one timed out; the deferred sinks after
        // the logger's worker has handed them what was queued.
        let mut all = self.queue().is_none_or(|queue| queue.flush(timeout));
        for s in &self.current().sinks {
            all &= s.sink.flush(timeout);
        }
        all
    }

    /// Drains and stops every sink's background work (up to the shutdown timeout each).
    /// Records logged afterwards are still written, on the caller's thread.
    pub fn shutdown(&self) -> bool {
        let mut all = self
            .queue()
            .is_none_or(|queue| queue.shutdown(self.inner.shutdown_timeout));
        for s in &self.current().sinks {
            all &= s.sink.shutdown(self.inner.shutdown_timeout);
        }
        all
    }

    /// Asks every sink to reopen its files (after an external rotation; the demo wires it to
    /// SIGHUP).
    pub fn reopen(&self) {
        for s in &self.current().sinks {
            s.sink.reopen();
        }
    }

    /// A snapshot of the logger for a `/health` endpoint.
    pub fn stats(&self) -> Stats {
        let snap = self.current();
        let (targets, targets_truncated) = self.inner.targets.snapshot();
        let sinks: Vec<SinkReport> = snap
            .sinks
            .iter()
            .map(|s| SinkReport {
                name: s.name.clone(),
                level: s.level.get(),
                include: s.options.include.clone(),
                exclude: s.options.exclude.clone(),
                stats: s.sink.stats(),
            })
            .collect();
        Stats {
            uptime_secs: self.inner.started.elapsed().as_secs_f64(),
            total_loggers: targets.len(),
            targets,
            targets_truncated,
            current_level: self.level(),
            console_level: sinks.iter().find(|s| s.name == crate::CONSOLE_SINK).map(|s| s.level),
            target_levels: snap.directives.targets().map(|(t, l)| (t.to_owned(), l)).collect(),
            records: self.inner.counters.snapshot(),
            recursion_dropped: self.inner.recursion_dropped.load(Ordering::Relaxed),
            panicked_records: self.inner.panicked_records.load(Ordering::Relaxed),
            log_directory: sinks.iter().find_map(|s| s.stats.directory.clone()),
            worker: self.queue().map(NonBlocking::stats),
            sinks,
        }
    }

    /// Sends one record to every sink that wants it.
    pub(crate) fn dispatch(&self, record: &Record<'_>) {
        let depth = DEPTH.try_with(Cell::get).unwrap_or(0);
        if depth >= MAX_DEPTH {
            self.inner.recursion_dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let _ = DEPTH.try_with(|d| d.set(depth + 1));
        // Restores the depth however this call ends, a caught panic included.
        let _restore = RestoreDepth(depth);
        let outcome = LOCAL.try_with(|cell| match cell.try_borrow_mut() {
            Ok(mut local) => self.dispatch_with(&mut local, record),
            // A sink or a `Display` logged while this thread was already logging.
            Err(_) => self.dispatch_with(&mut Local::new(), record),
        });
        if outcome.is_err() {
            // Thread-local storage is gone (the thread is exiting): use fresh buffers.
            self.dispatch_with(&mut Local::new(), record);
        }
    }

    fn dispatch_with(&self, local: &mut Local, record: &Record<'_>) {
        let generation = self.inner.generation.load(Ordering::Acquire);
        if local.logger != self.inner.id || local.generation != generation || local.snapshot.is_none() {
            if local.logger != self.inner.id {
                local.targets = TargetCache::default();
                local.logger = self.inner.id;
            }
            let snap = self.current();
            local.generation = snap.generation;
            local.snapshot = Some(snap);
        }
        let Local {
            snapshot,
            line,
            message,
            captured,
            targets,
            thread,
            shard,
            ..
        } = local;
        let Some(snap) = snapshot.as_deref() else {
            return;
        };
        if !self.passes_levels(snap, record.level, record.target) {
            return;
        }
        self.inner.counters.add(record.level, *shard);
        self.inner.targets.note(record.target, targets);
        // The sinks that take the record on this thread, and the bits of those that take it
        // on the logger's worker.
        let defer = snap.defer || self.inner.queued.load(Ordering::Acquire) > 0;
        let mut callers = 0usize;
        let mut deferred = 0u64;
        for s in &snap.sinks {
            if s.accepts(record.level, record.target) {
                match s.slot {
                    Some(bit) if defer => deferred |= 1 << bit,
                    _ => callers += 1,
                }
            }
        }
        let renders = callers + usize::from(deferred != 0);
        if renders == 0 {
            return;
        }
        // Several sinks each render the message; render it once for all of them (a
        // `fmt::Arguments` with floats costs more than the rest of a line).
        let rendered: &str;
        let text = if renders > 1 && render_once(message, record.message) {
            rendered = message.as_str();
            &rendered as &dyn fmt::Display
        } else {
            record.message
        };
        let request_id = record.request_id.or_else(current_request_id);
        let event = Event {
            timestamp: self.now(),
            level: record.level,
            target: record.target,
            function: record.function,
            file: record.file,
            line: record.line,
            request_id: request_id.as_ref().map(RequestId::as_str),
            thread: Some(thread.get_or_insert_with(thread_label)),
            message: text,
            fields: record.fields,
            details: record.details,
        };
        if deferred != 0 {
            self.defer(deferred, &event, captured);
        }
        if callers == 0 {
            return;
        }
        for entry in &snap.sinks {
            if (entry.slot.is_none() || !defer) && entry.accepts(record.level, record.target) {
                // A `Display` that panics (or a buggy sink) costs this record, never the caller.
                let logged = catch_unwind(AssertUnwindSafe(|| entry.sink.log(&event, line)));
                if logged.is_err() {
                    self.inner.panicked_records.fetch_add(1, Ordering::Relaxed);
                    self.inner.diagnostics.report(format_args!(
                        "a record from {} was dropped: formatting it for sink {:?} panicked",
                        record.target, entry.name
                    ));
                }
            }
        }
    }

    /// Captures `event` once and queues it for the deferred sinks whose bits are in `mask`.
    fn defer(&self, mask: u64, event: &Event<'_>, captured: &mut Vec<u8>) {
        captured.clear();
        if catch_unwind(AssertUnwindSafe(|| capture_frame(event, captured))).is_err() {
            self.inner.panicked_records.fetch_add(1, Ordering::Relaxed);
            self.inner.diagnostics.report(format_args!(
                "a record from {} was dropped: capturing it for the logger's worker panicked",
                event.target
            ));
            return;
        }
        if let Some(queue) = self.queue() {
            self.inner.queued.fetch_add(1, Ordering::AcqRel);
            if queue.push(mask, captured) != crate::Pushed::Accepted {
                // Dropped (counted by the queue) or failed: the worker will not hand it over.
                self.inner.queued.fetch_sub(1, Ordering::AcqRel);
            }
        }
        if captured.capacity() > 64 << 10 {
            // One huge record should not stay with the thread for good.
            captured.shrink_to(4 << 10);
        }
    }
}
