//! Retention and compression, on a thread of their own so that neither the callers nor the
//! writer ever wait for them.
//!
//! The writer asks for a run after each rotation (and when it opens its first file); runs
//! asked for while one is going on fold into one. Compression writes `NAME.gz.tmp`, syncs it,
//! renames it to `NAME.gz` and only then removes `NAME`, so a crash leaves either the plain file
//! (and a temporary that the next run removes) or a complete `.gz`.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;

use flate2::Compression;
use flate2::write::GzEncoder;

use crate::naming::{Date, GZ, GZ_TMP, LogFile, Naming};
use crate::sink::Shared;

/// What to keep and what to compress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Policy {
    /// Keep files of at most this many most recent days (today included).
    pub(crate) max_days: Option<u32>,
    /// Keep at most this many files.
    pub(crate) max_files: Option<usize>,
    /// gzip rotated files.
    pub(crate) compress: bool,
    /// Leave the most recent rotated file plain.
    pub(crate) delay_compress: bool,
}

impl Policy {
    fn is_idle(&self) -> bool {
        self.max_days.is_none() && self.max_files.is_none() && !self.compress
    }
}

/// One run: the current date and file, which are never touched.
#[derive(Debug)]
struct Job {
    seq: u64,
    today: Date,
    current: String,
}

/// The writer's handle on the housekeeping thread.
#[derive(Debug)]
pub(crate) struct Housekeeper {
    tx: Option<Sender<Job>>,
    shared: Arc<Shared>,
}

impl Housekeeper {
    /// Starts the thread, unless the policy has nothing to do.
    pub(crate) fn spawn(
        dir: PathBuf,
        naming: Naming,
        policy: Policy,
        mode: u32,
        shared: Arc<Shared>,
        thread_name: String,
    ) -> io::Result<Self> {
        if policy.is_idle() {
            return Ok(Housekeeper { tx: None, shared });
        }
        let (tx, rx) = mpsc::channel();
        let worker = Worker {
            dir,
            naming,
            policy,
            mode,
            shared: Arc::clone(&shared),
        };
        thread::Builder::new()
            .name(thread_name)
            .spawn(move || worker.run(&rx))?;
        Ok(Housekeeper { tx: Some(tx), shared })
    }

    /// Asks for a run with `current` (a file name) as the file being written on `today`.
    pub(crate) fn request(&self, today: Date, current: String) {
        let Some(tx) = &self.tx else { return };
        let seq = {
            let mut progress = self.shared.housekeeping.lock();
            progress.requested += 1;
            progress.requested
        };
        if tx.send(Job { seq, today, current }).is_err() {
            // The thread is gone (it panicked): nothing will run; do not let waiters hang.
            self.shared.housekeeping_done(seq);
        }
    }
}

struct Worker {
    dir: PathBuf,
    naming: Naming,
    policy: Policy,
    mode: u32,
    shared: Arc<Shared>,
}

impl Worker {
    fn run(&self, rx: &Receiver<Job>) {
        while let Ok(mut job) = rx.recv() {
            while let Ok(newer) = rx.try_recv() {
                job = newer;
            }
            let seq = job.seq;
            if let Err(e) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.run_job(&job))) {
                let what = e
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| e.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                self.failed(format_args!("housekeeping panicked: {what}"));
            }
            self.shared.housekeeping_done(seq);
        }
    }

    fn failed(&self, message: std::fmt::Arguments<'_>) {
        self.shared.housekeeping_errors.fetch_add(1, Ordering::Relaxed);
        self.shared.diagnostics.report(message);
    }

    /// Whether `name` is the file being written right now (checked just before touching a
    /// file, since the writer may have moved on since the job was asked for).
    fn is_current(&self, job: &Job, name: &str) -> bool {
        name == job.current || self.shared.current_name().as_deref() == Some(name)
    }

    fn run_job(&self, job: &Job) {
        self.remove_temporaries();
        let mut files = match self.naming.list(&self.dir) {
            Ok(files) => files,
            Err(e) => {
                self.failed(format_args!("listing {} failed: {e}", self.dir.display()));
                return;
            }
        };
        self.repair(job, &mut files);
        self.retain(job, &mut files);
        if self.policy.compress {
            self.compress_rotated(job, &files);
        }
    }

    fn remove_temporaries(&self) {
        for name in self.naming.stale_temporaries(&self.dir).unwrap_or_default() {
            self.remove(&name);
        }
    }

    /// A plain file beside its own `.gz`: the compression finished (the rename is atomic)
    /// but the plain file was not yet removed.
    fn repair(&self, job: &Job, files: &mut Vec<LogFile>) {
        let doubled: Vec<String> = files
            .iter()
            .filter(|f| !f.compressed && !self.is_current(job, &f.name))
            .filter(|f| {
                files
                    .iter()
                    .any(|g| g.compressed && g.name.strip_suffix(GZ) == Some(&f.name))
            })
            .map(|f| f.name.clone())
            .collect();
        for name in &doubled {
            self.remove(name);
        }
        files.retain(|f| !doubled.contains(&f.name));
    }

    /// Removes the files beyond `max_days` and `max_files`, oldest first.
    fn retain(&self, job: &Job, files: &mut Vec<LogFile>) {
        let mut doomed = Vec::new();
        if let Some(days) = self.policy.max_days {
            let oldest_kept = job.today.days_since_epoch() - i64::from(days) + 1;
            doomed.extend(
                files
                    .iter()
                    .filter(|f| f.date.days_since_epoch() < oldest_kept)
                    .map(|f| f.name.clone()),
            );
        }
        if let Some(max) = self.policy.max_files {
            let left: Vec<&LogFile> = files.iter().filter(|f| !doomed.contains(&f.name)).collect();
            let excess = left.len().saturating_sub(max);
            doomed.extend(left.iter().take(excess).map(|f| f.name.clone()));
        }
        doomed.retain(|name| !self.is_current(job, name));
        for name in &doomed {
            if self.remove(name) {
                self.shared.removed.fetch_add(1, Ordering::Relaxed);
            }
        }
        files.retain(|f| !doomed.contains(&f.name));
    }

    /// Compresses every rotated plain file, but the most recent rotated one under
    /// `delay_compress`.
    fn compress_rotated(&self, job: &Job, files: &[LogFile]) {
        let rotated: Vec<&LogFile> = files.iter().filter(|f| !self.is_current(job, &f.name)).collect();
        let newest = rotated.iter().map(|f| f.order()).max();
        for f in rotated.iter().filter(|f| !f.compressed) {
            if self.policy.delay_compress && Some(f.order()) == newest {
                continue;
            }
            if self.is_current(job, &f.name) {
                continue;
            }
            match self.compress(&f.name) {
                Ok(()) => {
                    self.shared.compressed.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    let _ = fs::remove_file(self.dir.join(format!("{}{GZ_TMP}", f.name)));
                    self.failed(format_args!(
                        "compressing {} failed: {e}",
                        self.dir.join(&f.name).display()
                    ));
                }
            }
        }
    }

    fn compress(&self, name: &str) -> io::Result<()> {
        let plain = self.dir.join(name);
        let tmp = self.dir.join(format!("{name}{GZ_TMP}"));
        let gz = self.dir.join(format!("{name}{GZ}"));
        let mut input = File::open(&plain)?;
        let output = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(self.mode)
            .open(&tmp)?;
        let mut encoder = GzEncoder::new(output, Compression::default());
        io::copy(&mut input, &mut encoder)?;
        encoder.finish()?.sync_all()?;
        fs::rename(&tmp, &gz)?;
        sync_dir(&self.dir);
        fs::remove_file(&plain)
    }

    /// Removes a file; says whether it did.
    fn remove(&self, name: &str) -> bool {
        match fs::remove_file(self.dir.join(name)) {
            Ok(()) => true,
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            Err(e) => {
                self.failed(format_args!("removing {} failed: {e}", self.dir.join(name).display()));
                false
            }
        }
    }
}

/// Makes a rename in `dir` durable (best effort: not every file system allows it).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
