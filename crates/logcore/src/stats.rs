//! Counters kept on the logging path, and the serialisable snapshot `stats()` returns.
//!
//! Records per level are counted in per-thread shards (each on its own cache line), so
//! threads that log at once do not fight over one counter. Distinct targets are interned once
//! in a shared set; each thread remembers the targets it has already reported in a small
//! direct-mapped cache, so the set's lock is taken only the first time a thread sees a target.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use logfmt::Level;
use parking_lot::Mutex;
use serde::Serialize;

use crate::{LevelFilter, SinkStats};

const SHARDS: usize = 16;

#[repr(align(128))]
#[derive(Default)]
struct Shard([AtomicU64; 6]);

/// Records per level, counted without contention.
pub(crate) struct LevelCounters {
    shards: Box<[Shard]>,
}

impl LevelCounters {
    pub(crate) fn new() -> Self {
        LevelCounters {
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
        }
    }

    pub(crate) fn add(&self, level: Level, shard: usize) {
        self.shards[shard % SHARDS].0[level.index()].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> RecordCounts {
        let mut per_level = [0u64; 6];
        for shard in self.shards.iter() {
            for (total, counter) in per_level.iter_mut().zip(&shard.0) {
                *total += counter.load(Ordering::Relaxed);
            }
        }
        RecordCounts {
            trace: per_level[0],
            debug: per_level[1],
            info: per_level[2],
            warning: per_level[3],
            error: per_level[4],
            critical: per_level[5],
            total: per_level.iter().sum(),
        }
    }
}

/// A shard index for the current thread, assigned round-robin on first use.
pub(crate) fn thread_shard() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS
}

/// The most distinct targets remembered; beyond it they are counted but not listed.
const MAX_TARGETS: usize = 4096;
const CACHE_SLOTS: usize = 16;

/// Every distinct target seen (the seeds' `total_loggers`).
pub(crate) struct TargetRegistry {
    seen: Mutex<HashSet<&'static str>>,
    truncated: AtomicBool,
}

/// What a thread's cache holds for a target seen after the list was full.
static NOT_LISTED: &str = "";

/// A thread's memory of targets it has already reported: (address, length) of the record's
/// target string, and the interned copy to confirm the text.
#[derive(Default)]
pub(crate) struct TargetCache {
    slots: [Option<(usize, &'static str)>; CACHE_SLOTS],
}

impl TargetRegistry {
    pub(crate) fn new() -> Self {
        TargetRegistry {
            seen: Mutex::new(HashSet::new()),
            truncated: AtomicBool::new(false),
        }
    }

    pub(crate) fn note(&self, target: &str, cache: &mut TargetCache) {
        let address = target.as_ptr() as usize;
        let slot = ((address >> 3) ^ target.len()) % CACHE_SLOTS;
        if matches!(cache.slots[slot], Some((a, known)) if a == address && (known == target || std::ptr::eq(known, NOT_LISTED)))
        {
            return;
        }
        let mut seen = self.seen.lock();
        let interned = match seen.get(target) {
            Some(known) => *known,
            None if seen.len() < MAX_TARGETS => {
                // Interned for the life of the process; bounded by MAX_TARGETS.
                let known: &'static str = Box::leak(target.into());
                seen.insert(known);
                known
            }
            None => {
                // Remembered by address only, so the lock is not taken again for it.
                self.truncated.store(true, Ordering::Relaxed);
                NOT_LISTED
            }
        };
        drop(seen);
        cache.slots[slot] = Some((address, interned));
    }

    /// The distinct targets listed, and whether more were seen than could be listed.
    pub(crate) fn snapshot(&self) -> (Vec<String>, bool) {
        let seen = self.seen.lock();
        let mut targets: Vec<String> = seen.iter().map(|t| (*t).to_owned()).collect();
        targets.sort();
        (targets, self.truncated.load(Ordering::Relaxed))
    }
}

/// Records that passed the logger's levels, per level.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RecordCounts {
    /// TRACE records.
    pub trace: u64,
    /// DEBUG records.
    pub debug: u64,
    /// INFO records.
    pub info: u64,
    /// WARNING records.
    pub warning: u64,
    /// ERROR records.
    pub error: u64,
    /// CRITICAL records.
    pub critical: u64,
    /// All of them.
    pub total: u64,
}

impl RecordCounts {
    /// The count for one level.
    pub fn get(&self, level: Level) -> u64 {
        match level {
            Level::Trace => self.trace,
            Level::Debug => self.debug,
            Level::Info => self.info,
            Level::Warning => self.warning,
            Level::Error => self.error,
            Level::Critical => self.critical,
        }
    }
}

/// One sink in the stats snapshot: its name and filter with its counters.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SinkReport {
    /// The name it was registered under.
    pub name: String,
    /// Its level.
    pub level: LevelFilter,
    /// Target prefixes it is limited to (empty: all).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// Target prefixes it never takes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    /// Its counters.
    #[serde(flatten)]
    pub stats: SinkStats,
}

/// A snapshot of the logger, for a `/health` endpoint (the seeds' `get_logging_stats()`).
///
/// Serialised with serde; the field names are stable.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Stats {
    /// Seconds since the logger was built.
    pub uptime_secs: f64,
    /// How many distinct targets have logged (the seeds' `total_loggers`), up to 4096.
    pub total_loggers: usize,
    /// Those targets, sorted.
    pub targets: Vec<String>,
    /// More than 4096 distinct targets logged; the others are not listed or counted.
    pub targets_truncated: bool,
    /// The global level (`LOG_LEVEL`).
    pub current_level: LevelFilter,
    /// The console sink's level, when there is a console sink.
    pub console_level: Option<LevelFilter>,
    /// Per-target levels (`RUST_LOG` directives and `set_target_level`).
    pub target_levels: BTreeMap<String, LevelFilter>,
    /// Records that passed the levels, per level.
    pub records: RecordCounts,
    /// Records lost because a `Display` implementation logged from inside a log call more than
    /// a few levels deep.
    pub recursion_dropped: u64,
    /// Records lost because formatting them panicked (a `Display` implementation that
    /// panics); the caller went on.
    pub panicked_records: u64,
    /// The log directory, when a file sink reports one.
    pub log_directory: Option<String>,
    /// The logger's worker, which hands records to the deferred sinks (file and remote sinks),
    /// once one was added: records waiting there, and any it dropped.
    pub worker: Option<crate::QueueStats>,
    /// Every sink, in the order they were added.
    pub sinks: Vec<SinkReport>,
}

impl Stats {
    /// The report of the sink called `name`.
    pub fn sink(&self, name: &str) -> Option<&SinkReport> {
        self.sinks.iter().find(|s| s.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_sum_over_shards() {
        let c = LevelCounters::new();
        for shard in 0..40 {
            c.add(Level::Info, shard);
        }
        c.add(Level::Critical, 3);
        let s = c.snapshot();
        assert_eq!((s.info, s.critical, s.total), (40, 1, 41));
        assert_eq!(s.get(Level::Info), 40);
    }

    #[test]
    fn targets_are_counted_once_whatever_their_address() {
        let r = TargetRegistry::new();
        let mut cache = TargetCache::default();
        let owned = String::from("app::engine");
        for _ in 0..3 {
            r.note("app::engine", &mut cache);
            r.note(&owned, &mut cache);
            r.note("app::http", &mut cache);
        }
        let (list, truncated) = r.snapshot();
        assert_eq!(list, ["app::engine", "app::http"]);
        assert!(!truncated);
    }
}
