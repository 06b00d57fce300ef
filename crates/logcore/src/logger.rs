//! The logger: level checks, the sink registry, and the path of one record to every sink.
//!
//! Levels are atomics. The sinks and per-target directives live in an immutable snapshot that
//! is replaced whole on every change; each thread keeps the snapshot it last used and swaps
//! it only when a shared generation counter says it is stale, so the logging path takes no
//! lock and touches no shared cache line except that counter.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use logfmt::{Event, Fields, Level, Timestamp};
use parking_lot::{Mutex, RwLock};

use crate::Clock;
use crate::level::AtomicLevelFilter;
use crate::stats::{LevelCounters, TargetCache, TargetRegistry, thread_shard};
use crate::{
    Diagnostics, Directives, Error, LevelFilter, LineBuf, RequestId, Sink, SinkOptions, SinkReport, Stats,
    current_request_id,
};

/// A sink with its name and filter, as registered.
pub(crate) struct SinkEntry {
    pub(crate) name: String,
    pub(crate) level: AtomicLevelFilter,
    pub(crate) options: SinkOptions,
    pub(crate) sink: Box<dyn Sink>,
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
            sinks.push(Arc::new(SinkEntry {
                name: name.to_owned(),
                level: AtomicLevelFilter::new(options.level),
                options,
                sink,
            }));
            Ok(())
        })
    }

    /// Removes the sink called `name`, draining it first (up to the shutdown timeout).
    pub fn remove_sink(&self, name: &str) -> Result<(), Error> {
        let removed = self.edit(|_, sinks| {
            let index = sinks.iter().position(|s| s.name == name);
            index.map(|i| sinks.remove(i))
        });
        let entry = removed.ok_or_else(|| Error::NoSuchSink(name.to_owned()))?;
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
        // Every sink is flushed even when an earlier one timed out.
        let mut all = true;
        for s in &self.current().sinks {
            all &= s.sink.flush(timeout);
        }
        all
    }

    /// Drains and stops every sink's background work (up to the shutdown timeout each).
    /// Records logged afterwards are still written, on the caller's thread.
    pub fn shutdown(&self) -> bool {
        let mut all = true;
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
        let takers = snap
            .sinks
            .iter()
            .filter(|s| s.accepts(record.level, record.target))
            .take(2)
            .count();
        if takers == 0 {
            return;
        }
        // Several sinks each render the message; render it once for all of them (a
        // `fmt::Arguments` with floats costs more than the rest of a line).
        let rendered: &str;
        let text = if takers > 1 && render_once(message, record.message) {
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
        for entry in &snap.sinks {
            if entry.accepts(record.level, record.target) {
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
}
