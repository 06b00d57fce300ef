//! The file sink: its builder, the per-record day key, the part that formats records on the
//! logger's worker, and its stats.

use std::fs::{self, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use logcore::{
    Captured, Deferred, Diagnostics, Event, Format, Formatter, LineBuf, NonBlocking, NonBlockingBuilder, Precision,
    Sink, SinkStats, Timestamp, WorkerGuard, Zone,
};
use parking_lot::{Condvar, Mutex};

use crate::housekeeping::{Housekeeper, Policy};
use crate::naming::Naming;
use crate::writer::{FileWriter, WriterConfig};

/// The first seed's file names: `logging_vllmserver_YYYY-MM-DD.txt`.
pub const DEFAULT_PREFIX: &str = "logging_vllmserver_";
/// See [`DEFAULT_PREFIX`].
pub const DEFAULT_SUFFIX: &str = ".txt";
/// Days of files kept unless configured otherwise.
pub const DEFAULT_MAX_DAYS: u32 = 30;

/// Why a file sink could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// The log directory cannot be created.
    #[error("the log directory {} cannot be created: {source}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The log directory exists but files cannot be created or written in it.
    #[error("the log directory {} is not writable: {source}", path.display())]
    NotWritable {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A thread of the sink could not be started.
    #[error("starting a thread for the log files in {} failed: {source}", path.display())]
    Spawn {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The configuration is not usable.
    #[error(transparent)]
    Config(#[from] logcore::ConfigError),
    /// Registering the sink with the logger failed.
    #[error(transparent)]
    Logger(#[from] logcore::Error),
}

/// What the caller's side, the writer and the housekeeper share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) diagnostics: Diagnostics,
    pub(crate) bytes: AtomicU64,
    pub(crate) rotations: AtomicU64,
    pub(crate) reopens: AtomicU64,
    pub(crate) write_errors: AtomicU64,
    pub(crate) lost_lines: AtomicU64,
    pub(crate) retry_bytes: AtomicU64,
    pub(crate) compressed: AtomicU64,
    pub(crate) removed: AtomicU64,
    pub(crate) housekeeping_errors: AtomicU64,
    pub(crate) reopen_requested: AtomicBool,
    pub(crate) sync_requested: AtomicBool,
    current: Mutex<Option<PathBuf>>,
    pub(crate) housekeeping: Mutex<Progress>,
    housekeeping_changed: Condvar,
}

/// Housekeeping runs asked for and done, by sequence number.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    pub(crate) requested: u64,
    done: u64,
}

impl Shared {
    fn new(name: &str) -> Self {
        Shared {
            diagnostics: Diagnostics::new(name),
            bytes: AtomicU64::new(0),
            rotations: AtomicU64::new(0),
            reopens: AtomicU64::new(0),
            write_errors: AtomicU64::new(0),
            lost_lines: AtomicU64::new(0),
            retry_bytes: AtomicU64::new(0),
            compressed: AtomicU64::new(0),
            removed: AtomicU64::new(0),
            housekeeping_errors: AtomicU64::new(0),
            reopen_requested: AtomicBool::new(false),
            sync_requested: AtomicBool::new(false),
            current: Mutex::new(None),
            housekeeping: Mutex::new(Progress::default()),
            housekeeping_changed: Condvar::new(),
        }
    }

    pub(crate) fn set_current(&self, path: Option<PathBuf>) {
        *self.current.lock() = path;
    }

    pub(crate) fn current(&self) -> Option<PathBuf> {
        self.current.lock().clone()
    }

    pub(crate) fn current_name(&self) -> Option<String> {
        let current = self.current.lock();
        Some(current.as_ref()?.file_name()?.to_str()?.to_owned())
    }

    pub(crate) fn housekeeping_done(&self, seq: u64) {
        let mut progress = self.housekeeping.lock();
        progress.done = progress.done.max(seq);
        drop(progress);
        self.housekeeping_changed.notify_all();
    }
}

/// The day a timestamp falls in, as the key the worker's batches are cut by: the day's first
/// second. The last day looked up is cached in one atomic word (its start and length), so a
/// record costs two comparisons; the zone is asked only when a day changes.
#[derive(Debug)]
struct DayKeys {
    zone: Zone,
    /// `start << 17 | length` of the cached day; 0 when there is none.
    cached: AtomicU64,
}

const LENGTH_BITS: u32 = 17;

impl DayKeys {
    fn new(zone: Zone) -> Self {
        DayKeys {
            zone,
            cached: AtomicU64::new(0),
        }
    }

    fn key(&self, at: Timestamp) -> u64 {
        let secs = at.unix_seconds();
        let packed = self.cached.load(Ordering::Relaxed);
        let start = (packed >> LENGTH_BITS) as i64;
        let length = (packed & ((1 << LENGTH_BITS) - 1)) as i64;
        if packed != 0 && secs >= start && secs - start < length {
            return start as u64;
        }
        let day = self.zone.day(at);
        let length = day.end - day.start;
        if (0..1 << (63 - LENGTH_BITS)).contains(&day.start) && (1..1 << LENGTH_BITS).contains(&length) {
            self.cached
                .store(((day.start as u64) << LENGTH_BITS) | length as u64, Ordering::Relaxed);
        }
        day.start as u64
    }
}

/// Settings of a [`FileSink`].
///
/// | setting | default |
/// |---|---|
/// | directory | given to [`FileSink::builder`] |
/// | `prefix`, `suffix` | `logging_vllmserver_`, `.txt` |
/// | `format` | pipe, without colour |
/// | `zone` | local: a new file at local midnight |
/// | `max_size` | none: one file a day |
/// | `max_days` | 30 |
/// | `max_files` | none |
/// | `compress` | off; when on, `delay_compress` (on) leaves the newest rotated file plain |
/// | `mode` | `0o640` |
/// | `retry_buffer` | 8 MiB of lines kept while writes fail |
/// | `queue` | [`NonBlockingBuilder`]'s defaults (1 MiB, block, 50 ms) |
#[derive(Clone, Debug)]
pub struct FileSinkBuilder {
    dir: PathBuf,
    naming: Naming,
    format: Format,
    zone: Option<Zone>,
    precision: Precision,
    max_size: Option<u64>,
    policy: Policy,
    mode: u32,
    retry_buffer: usize,
    check_interval: Duration,
    queue: NonBlockingBuilder,
    name: String,
}

impl FileSinkBuilder {
    fn new(dir: PathBuf) -> Self {
        FileSinkBuilder {
            dir,
            naming: Naming {
                prefix: DEFAULT_PREFIX.to_owned(),
                suffix: DEFAULT_SUFFIX.to_owned(),
            },
            format: Format::Pipe,
            zone: None,
            precision: Precision::Seconds,
            max_size: None,
            policy: Policy {
                max_days: Some(DEFAULT_MAX_DAYS),
                max_files: None,
                compress: false,
                delay_compress: true,
            },
            mode: 0o640,
            retry_buffer: 8 << 20,
            check_interval: Duration::from_secs(1),
            queue: NonBlockingBuilder::default().thread_name("logsink-file"),
            name: "file".to_owned(),
        }
    }

    /// What file names start with.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.naming.prefix = prefix.into();
        self
    }

    /// What file names end with (after the date and any size index).
    #[must_use]
    pub fn suffix(mut self, suffix: impl Into<String>) -> Self {
        self.naming.suffix = suffix.into();
        self
    }

    /// The line format.
    #[must_use]
    pub fn format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// The zone of timestamps and of the midnight that starts a new file.
    #[must_use]
    pub fn zone(mut self, zone: Zone) -> Self {
        self.zone = Some(zone);
        self
    }

    /// The precision of timestamps.
    #[must_use]
    pub fn precision(mut self, precision: Precision) -> Self {
        self.precision = precision;
        self
    }

    /// Starts another file of the same day (`.1`, `.2`, ...) before one would pass `bytes`
    /// (a single longer line still goes whole into a file of its own). `None`: no limit.
    #[must_use]
    pub fn max_size(mut self, bytes: Option<u64>) -> Self {
        self.max_size = bytes.filter(|&b| b > 0);
        self
    }

    /// Keeps the files of at most this many most recent days, today included. `None`: all.
    #[must_use]
    pub fn max_days(mut self, days: Option<u32>) -> Self {
        self.policy.max_days = days.filter(|&d| d > 0);
        self
    }

    /// Keeps at most this many files, the current one included. `None`: no limit.
    #[must_use]
    pub fn max_files(mut self, files: Option<usize>) -> Self {
        self.policy.max_files = files.filter(|&f| f > 0);
        self
    }

    /// Compresses rotated files to `.gz`.
    #[must_use]
    pub fn compress(mut self, on: bool) -> Self {
        self.policy.compress = on;
        self
    }

    /// Leaves the most recent rotated file plain when compressing (logrotate's
    /// `delaycompress`); on by default.
    #[must_use]
    pub fn delay_compress(mut self, on: bool) -> Self {
        self.policy.delay_compress = on;
        self
    }

    /// The permission bits of new files (before the umask).
    #[must_use]
    pub fn mode(mut self, mode: u32) -> Self {
        self.mode = mode;
        self
    }

    /// How many bytes of lines to keep while writes fail (a full disk); lines beyond it are
    /// counted as lost.
    #[must_use]
    pub fn retry_buffer(mut self, bytes: usize) -> Self {
        self.retry_buffer = bytes;
        self
    }

    /// The settings of the worker thread.
    #[must_use]
    pub fn queue(mut self, queue: NonBlockingBuilder) -> Self {
        self.queue = queue;
        self
    }

    /// The name in stderr reports and thread names (the name the sink is registered under).
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// How often the writer checks that its file is still at its path. Default 1 s.
    #[must_use]
    pub fn check_interval(mut self, interval: Duration) -> Self {
        self.check_interval = interval;
        self
    }

    /// Creates the directory if needed, checks that files can be written in it, and starts the
    /// worker and housekeeping threads. The first file is opened with the first record.
    pub fn build(self) -> Result<FileSink, FileError> {
        let dir = self.dir.clone();
        fs::create_dir_all(&dir).map_err(|source| FileError::CreateDir {
            path: dir.clone(),
            source,
        })?;
        probe_writable(&dir, self.mode).map_err(|source| FileError::NotWritable {
            path: dir.clone(),
            source,
        })?;
        let zone = self.zone.unwrap_or_else(Zone::local);
        let formatter = Formatter::new(self.format)
            .with_zone(zone.clone())
            .with_precision(self.precision);
        let shared = Arc::new(Shared::new(&self.name));
        let spawn_error = |source| FileError::Spawn {
            path: dir.clone(),
            source,
        };
        let housekeeper = Housekeeper::spawn(
            dir.clone(),
            self.naming.clone(),
            self.policy,
            self.mode,
            Arc::clone(&shared),
            thread_name(&self.name, "housekeeping"),
        )
        .map_err(spawn_error)?;
        let writer = FileWriter::new(
            WriterConfig {
                dir: dir.clone(),
                naming: self.naming,
                zone: zone.clone(),
                max_size: self.max_size,
                mode: self.mode,
                retry_buffer: self.retry_buffer,
                check_interval: self.check_interval,
                formatter: formatter.clone(),
            },
            Arc::clone(&shared),
            housekeeper,
        );
        let (queue, guard) = self
            .queue
            .thread_name(thread_name(&self.name, "writer"))
            .spawn(writer)
            .map_err(spawn_error)?;
        Ok(FileSink {
            dir,
            formatter,
            days: DayKeys::new(zone),
            queue,
            shared,
            _guard: guard,
        })
    }
}

fn thread_name(sink: &str, role: &str) -> String {
    format!("{sink}-{role}")
}

/// Creates and removes a file in `dir`: the same permissions a log file needs.
fn probe_writable(dir: &Path, mode: u32) -> io::Result<()> {
    let probe = dir.join(format!(".logsink-file-probe-{}", std::process::id()));
    let result = OpenOptions::new().create(true).append(true).mode(mode).open(&probe);
    let _ = fs::remove_file(&probe);
    result.map(drop)
}

/// Writes records to daily (and optionally size-limited) files in a directory, through a
/// non-blocking worker, with retention and compression on a housekeeping thread.
///
/// ```
/// use logcore::{LoggerBuilder, Config, SinkOptions};
/// let dir = tempfile::tempdir()?;
/// let sink = logsink_file::FileSink::builder(dir.path()).max_days(Some(7)).build()?;
/// let mut config = Config::default();
/// config.console.enabled = false;
/// let _guard = LoggerBuilder::new(config).sink("file", sink, SinkOptions::default()).install()?;
/// logcore::info!("VLLM Server starting up");
/// logcore::flush();
/// let file = logcore::stats().unwrap().sinks[0].stats.file.clone().unwrap();
/// assert!(std::fs::read_to_string(file)?.contains("| INFO     |"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct FileSink {
    dir: PathBuf,
    formatter: Formatter,
    days: DayKeys,
    queue: NonBlocking,
    shared: Arc<Shared>,
    _guard: WorkerGuard,
}

impl FileSink {
    /// A builder for a sink writing in `dir`.
    pub fn builder(dir: impl Into<PathBuf>) -> FileSinkBuilder {
        FileSinkBuilder::new(dir.into())
    }

    /// The directory the sink writes in.
    pub fn directory(&self) -> &Path {
        &self.dir
    }

    /// The file being written (none before the first record).
    pub fn current_file(&self) -> Option<PathBuf> {
        self.shared.current()
    }

    /// Waits until every retention and compression run asked for so far has finished, up to
    /// `timeout`; returns whether they all have.
    pub fn wait_housekeeping(&self, timeout: Duration) -> bool {
        let deadline = Instant::now().checked_add(timeout);
        let mut progress = self.shared.housekeeping.lock();
        let target = progress.requested;
        while progress.done < target {
            let timed_out = match deadline {
                Some(d) => self
                    .shared
                    .housekeeping_changed
                    .wait_until(&mut progress, d)
                    .timed_out(),
                None => {
                    self.shared.housekeeping_changed.wait(&mut progress);
                    false
                }
            };
            if timed_out {
                return progress.done >= target;
            }
        }
        true
    }
}

/// The most bytes of lines [`FileFeed`] gathers before handing them to the writer's queue.
const RUN_BYTES: usize = 64 << 10;

/// The file sink's part on the logger's worker: formats each record there, and hands the
/// writer's queue a run of lines at a time (one run per day, so a batch that spans midnight
/// still splits between files).
struct FileFeed {
    formatter: Formatter,
    days: DayKeys,
    queue: NonBlocking,
    line: LineBuf,
    run: Vec<u8>,
    key: u64,
    records: u64,
}

impl FileFeed {
    fn hand_on(&mut self) {
        if self.records > 0 {
            self.queue.push_records(self.key, &self.run, self.records);
            self.run.clear();
            self.records = 0;
        }
    }
}

impl Deferred for FileFeed {
    fn take(&mut self, record: Captured<'_>) {
        let Some(key) = record.event(|event| {
            let key = self.days.key(event.timestamp);
            if self.records > 0 && (key != self.key || self.run.len() >= RUN_BYTES) {
                self.hand_on();
            }
            self.run.extend_from_slice(self.line.format(&self.formatter, event));
            key
        }) else {
            return;
        };
        self.key = key;
        self.records += 1;
    }

    fn end_batch(&mut self) {
        self.hand_on();
    }
}

impl Sink for FileSink {
    fn log(&self, event: &Event<'_>, line: &mut LineBuf) {
        let key = self.days.key(event.timestamp);
        self.queue.push(key, line.format(&self.formatter, event));
    }

    /// Records are formatted on the logger's worker, not on the caller's thread.
    fn deferred(&self) -> Option<Box<dyn Deferred>> {
        Some(Box::new(FileFeed {
            formatter: self.formatter.clone(),
            days: DayKeys::new(self.days.zone.clone()),
            queue: self.queue.clone(),
            line: LineBuf::new(),
            run: Vec::with_capacity(RUN_BYTES),
            key: 0,
            records: 0,
        }))
    }

    fn flush(&self, timeout: Duration) -> bool {
        self.queue.flush(timeout)
    }

    fn shutdown(&self, timeout: Duration) -> bool {
        self.shared.sync_requested.store(true, Ordering::Relaxed);
        self.queue.shutdown(timeout)
    }

    fn reopen(&self) {
        self.shared.reopen_requested.store(true, Ordering::Relaxed);
    }

    fn stats(&self) -> SinkStats {
        let mut stats = SinkStats::from_queue("file", &self.queue.stats());
        let s = &*self.shared;
        stats.bytes = s.bytes.load(Ordering::Relaxed);
        stats.directory = Some(self.dir.display().to_string());
        stats.file = s.current().map(|p| p.display().to_string());
        stats.last_error = s
            .diagnostics
            .last_error()
            .or_else(|| self.queue.diagnostics().last_error());
        for (name, counter) in [
            ("rotations", &s.rotations),
            ("reopens", &s.reopens),
            ("write_errors", &s.write_errors),
            ("lost_lines", &s.lost_lines),
            ("retry_bytes", &s.retry_bytes),
            ("compressed", &s.compressed),
            ("removed", &s.removed),
            ("housekeeping_errors", &s.housekeeping_errors),
        ] {
            stats.extra.insert(name.to_owned(), counter.load(Ordering::Relaxed));
        }
        stats
    }
}
