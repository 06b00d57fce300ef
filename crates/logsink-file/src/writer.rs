//! The worker side of a file sink: picks the file for each run of records (by day, then by
//! size), writes whole lines, keeps what a failed write could not put down and retries it,
//! follows a file renamed or deleted underneath, and tells the housekeeper of rotations.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use logcore::{Batch, BatchWriter, Day, Formatter, Timestamp, Zone};

use crate::housekeeping::Housekeeper;
use crate::naming::{Date, Naming};
use crate::sink::Shared;

/// The file being written.
#[derive(Debug)]
struct OpenFile {
    file: File,
    day: Day,
    index: u32,
    size: u64,
    path: PathBuf,
    /// (device, inode), to notice the path now names another file.
    id: (u64, u64),
}

/// Bytes a failed write could not put down, in order, with their day keys.
#[derive(Debug, Default)]
struct Pending {
    bytes: Vec<u8>,
    /// (key, end) runs over `bytes`.
    runs: Vec<(u64, usize)>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn push(&mut self, key: u64, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
        match self.runs.last_mut() {
            Some((k, end)) if *k == key => *end = self.bytes.len(),
            _ => self.runs.push((key, self.bytes.len())),
        }
    }
}

/// What the writer was built with.
#[derive(Debug)]
pub(crate) struct WriterConfig {
    pub(crate) dir: PathBuf,
    pub(crate) naming: Naming,
    pub(crate) zone: Zone,
    pub(crate) max_size: Option<u64>,
    pub(crate) mode: u32,
    pub(crate) retry_buffer: usize,
    pub(crate) check_interval: Duration,
    pub(crate) formatter: Formatter,
}

/// Writes a file sink's batches.
#[derive(Debug)]
pub(crate) struct FileWriter {
    config: WriterConfig,
    shared: Arc<Shared>,
    open: Option<OpenFile>,
    /// The day of the last key looked up.
    last_day: Option<Day>,
    pending: Pending,
    /// Records the queue dropped that no line has told of yet.
    dropped_unnoted: u64,
    last_check: Instant,
    housekeeper: Housekeeper,
}

impl FileWriter {
    pub(crate) fn new(config: WriterConfig, shared: Arc<Shared>, housekeeper: Housekeeper) -> Self {
        FileWriter {
            config,
            shared,
            open: None,
            last_day: None,
            pending: Pending::default(),
            dropped_unnoted: 0,
            last_check: Instant::now(),
            housekeeper,
        }
    }

    /// The day a key (the first second of a day) stands for.
    fn day_of(&mut self, key: u64) -> Day {
        match self.last_day {
            Some(day) if day.start as u64 == key => day,
            _ => {
                let day = self.config.zone.day(Timestamp::new(key as i64, 0));
                self.last_day = Some(day);
                day
            }
        }
    }

    /// Writes one run of records (or holds it for a retry); never fails.
    fn write_run(&mut self, key: u64, bytes: &[u8]) {
        if !self.pending.is_empty() {
            self.retry_pending();
        }
        if !self.pending.is_empty() {
            self.hold(key, bytes);
            return;
        }
        if let Err((done, e)) = self.write_now(key, bytes) {
            self.write_failed(&e);
            self.hold(key, &bytes[done..]);
        }
    }

    /// Writes what earlier failures left, in order, until one fails again.
    fn retry_pending(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        let mut start = 0;
        for (i, &(key, end)) in pending.runs.iter().enumerate() {
            if let Err((done, e)) = self.write_now(key, &pending.bytes[start..end]) {
                self.write_failed(&e);
                // Put back the rest, this run's unwritten part first.
                let mut rest = Pending::default();
                rest.push(key, &pending.bytes[start + done..end]);
                let mut from = end;
                for &(key, end) in &pending.runs[i + 1..] {
                    rest.push(key, &pending.bytes[from..end]);
                    from = end;
                }
                self.pending = rest;
                self.publish_pending();
                return;
            }
            start = end;
        }
        self.publish_pending();
    }

    /// Keeps bytes for a later retry, up to the retry buffer's size; counts the lines beyond it
    /// as lost.
    fn hold(&mut self, key: u64, bytes: &[u8]) {
        let room = self.config.retry_buffer.saturating_sub(self.pending.bytes.len());
        let keep = if bytes.len() <= room {
            bytes.len()
        } else {
            // Whole lines only.
            whole_lines(&bytes[..room])
        };
        if keep > 0 {
            self.pending.push(key, &bytes[..keep]);
        }
        let lost = count_lines(&bytes[keep..]);
        if lost > 0 {
            self.shared.lost_lines.fetch_add(lost, Ordering::Relaxed);
            self.shared.diagnostics.report(format_args!(
                "{lost} lines lost: {} bytes already wait for the disk (the retry buffer is full)",
                self.pending.bytes.len()
            ));
        }
        self.publish_pending();
    }

    fn publish_pending(&self) {
        self.shared
            .retry_bytes
            .store(self.pending.bytes.len() as u64, Ordering::Relaxed);
    }

    fn write_failed(&self, e: &io::Error) {
        self.shared.write_errors.fetch_add(1, Ordering::Relaxed);
        let file = self.open.as_ref().map_or_else(
            || self.config.dir.display().to_string(),
            |o| o.path.display().to_string(),
        );
        self.shared.diagnostics.report(format_args!(
            "writing {file} failed: {e}; the lines are kept and retried"
        ));
    }

    /// Writes `bytes` (whole lines) into the files of `key`'s day, rotating by size; on an error,
    /// returns how many bytes are safely in a file (always a whole number of lines).
    fn write_now(&mut self, key: u64, bytes: &[u8]) -> Result<(), (usize, io::Error)> {
        let mut done = 0;
        while done < bytes.len() {
            let open = self.file_for(key).map_err(|e| (done, e))?;
            let (size, day, index) = (open.size, open.day, open.index);
            let rest = &bytes[done..];
            let chunk = match self.config.max_size {
                None => rest.len(),
                Some(max) => {
                    let room = usize::try_from(max.saturating_sub(size)).unwrap_or(usize::MAX);
                    if rest.len() <= room {
                        rest.len()
                    } else {
                        match whole_lines(&rest[..room]) {
                            // One line longer than the limit goes whole into an empty file.
                            0 if size == 0 => rest.iter().position(|&b| b == b'\n').map_or(rest.len(), |i| i + 1),
                            0 => {
                                self.rotate_to(day, index + 1).map_err(|e| (done, e))?;
                                continue;
                            }
                            n => n,
                        }
                    }
                }
            };
            let open = self.open.as_mut().expect("file_for opened a file");
            match write_lines(open, &rest[..chunk]) {
                Ok(()) => {
                    self.shared.bytes.fetch_add(chunk as u64, Ordering::Relaxed);
                    done += chunk;
                }
                Err((kept, e)) => {
                    self.shared.bytes.fetch_add(kept as u64, Ordering::Relaxed);
                    return Err((done + kept, e));
                }
            }
        }
        Ok(())
    }

    /// The open file for `key`'s day with room left, opening or rotating as needed.
    fn file_for(&mut self, key: u64) -> io::Result<&OpenFile> {
        let day = self.day_of(key);
        let same_day = self.open.as_ref().is_some_and(|o| o.day.start == day.start);
        if !same_day {
            let index = self.first_index(Date::of(&day))?;
            self.rotate_to(day, index)?;
        } else if let (Some(max), Some(open)) = (self.config.max_size, &self.open)
            && open.size >= max
        {
            let next = open.index + 1;
            self.rotate_to(day, next)?;
        }
        Ok(self.open.as_ref().expect("a file is open"))
    }

    /// The file a day's records go to first: its newest file, unless that one is full or
    /// compressed already (appending to a compressed day would mix a plain file into it).
    fn first_index(&self, date: Date) -> io::Result<u32> {
        let files = match self.config.naming.list(&self.config.dir) {
            Ok(files) => files,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        let Some(newest) = files
            .iter()
            .filter(|f| f.date == date)
            .max_by_key(|f| (f.index, f.compressed))
        else {
            return Ok(0);
        };
        let path = self.config.dir.join(self.config.naming.name(date, newest.index));
        let full = match (self.config.max_size, fs::metadata(&path)) {
            (Some(max), Ok(meta)) => meta.len() >= max,
            _ => false,
        };
        let compressed = files
            .iter()
            .any(|f| f.date == date && f.index == newest.index && f.compressed);
        Ok(if full || compressed {
            newest.index + 1
        } else {
            newest.index
        })
    }

    /// Closes the current file (if any) and opens `day`'s file number `index`.
    fn rotate_to(&mut self, day: Day, index: u32) -> io::Result<()> {
        let path = self.config.dir.join(self.config.naming.name(Date::of(&day), index));
        let rotated = self.open.take().is_some();
        let open = self.open_file(path, day, index)?;
        self.shared.set_current(Some(open.path.clone()));
        self.open = Some(open);
        if rotated {
            self.shared.rotations.fetch_add(1, Ordering::Relaxed);
        }
        self.housekeeper
            .request(Date::of(&day), self.config.naming.name(Date::of(&day), index));
        Ok(())
    }

    fn open_file(&self, path: PathBuf, day: Day, index: u32) -> io::Result<OpenFile> {
        let open = |path: &Path| {
            OpenOptions::new()
                .create(true)
                .append(true)
                .mode(self.config.mode)
                .open(path)
        };
        let file = match open(&path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                // The directory went away (or never was): make it again.
                fs::create_dir_all(&self.config.dir)?;
                open(&path)?
            }
            other => other?,
        };
        let meta = file.metadata()?;
        Ok(OpenFile {
            file,
            day,
            index,
            size: meta.len(),
            path,
            id: (meta.dev(), meta.ino()),
        })
    }

    /// Reopens the current file when asked to, or when its path now names another file or
    /// none (renamed or deleted underneath), checked at most once per check interval.
    fn maintain(&mut self) {
        let requested = self.shared.reopen_requested.swap(false, Ordering::Relaxed);
        let due = self.last_check.elapsed() >= self.config.check_interval;
        if !requested && !due {
            return;
        }
        self.last_check = Instant::now();
        let Some(open) = &self.open else { return };
        let moved = match fs::metadata(&open.path) {
            Ok(meta) => (meta.dev(), meta.ino()) != open.id,
            Err(_) => true,
        };
        if !requested && !moved {
            return;
        }
        let (path, day, index) = (open.path.clone(), open.day, open.index);
        // Let go of the old file either way; a failed open is retried with the next write.
        self.open = None;
        match self.open_file(path.clone(), day, index) {
            Ok(reopened) => {
                self.shared.reopens.fetch_add(1, Ordering::Relaxed);
                self.open = Some(reopened);
            }
            Err(e) => {
                self.shared.write_errors.fetch_add(1, Ordering::Relaxed);
                self.shared
                    .diagnostics
                    .report(format_args!("reopening {} failed: {e}; retrying", path.display()));
            }
        }
    }
}

impl FileWriter {
    /// Writes the line that says how many records the queue dropped, if it dropped any, in
    /// the file of `key`'s day (else the open file's, else today's).
    fn note_dropped(&mut self, key: Option<u64>) {
        if self.dropped_unnoted == 0 {
            return;
        }
        let notice = logcore::dropped_notice(&self.config.formatter, std::mem::take(&mut self.dropped_unnoted));
        let key = key
            .or_else(|| self.open.as_ref().map(|o| o.day.start as u64))
            .unwrap_or_else(|| self.config.zone.day(Timestamp::now()).start as u64);
        self.write_run(key, &notice);
    }
}

/// Writes whole lines to the end of `open`'s file. On an error, cuts the file back to the last
/// whole line written and returns how many bytes that kept, so a file never ends in a partial
/// line and nothing is written twice on the retry.
fn write_lines(open: &mut OpenFile, bytes: &[u8]) -> Result<(), (usize, io::Error)> {
    let mut written = 0;
    while written < bytes.len() {
        match open.file.write(&bytes[written..]) {
            Ok(0) => return Err(cut_back(open, bytes, written, io::ErrorKind::WriteZero.into())),
            Ok(n) => written += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(cut_back(open, bytes, written, e)),
        }
    }
    open.size += bytes.len() as u64;
    Ok(())
}

fn cut_back(open: &mut OpenFile, bytes: &[u8], written: usize, e: io::Error) -> (usize, io::Error) {
    let kept = whole_lines(&bytes[..written]);
    if kept < written {
        // Best effort: if even this fails, the retry writes the line again whole after the
        // fragment.
        let _ = open.file.set_len(open.size + kept as u64);
    }
    open.size += kept as u64;
    (kept, e)
}

/// The length of the longest prefix of `bytes` that is whole lines.
fn whole_lines(bytes: &[u8]) -> usize {
    bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
}

fn count_lines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

impl BatchWriter for FileWriter {
    fn write_batch(&mut self, batch: &Batch<'_>) -> io::Result<()> {
        self.maintain();
        if let Some((key, _)) = batch.segments().next() {
            self.note_dropped(Some(key));
        }
        for (key, bytes) in batch.segments() {
            self.write_run(key, bytes);
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.note_dropped(None);
        if self.shared.sync_requested.load(Ordering::Relaxed) {
            if !self.pending.is_empty() {
                self.retry_pending();
            }
            if let Some(open) = &self.open
                && let Err(e) = open.file.sync_data()
            {
                self.shared
                    .diagnostics
                    .report(format_args!("syncing {} failed: {e}", open.path.display()));
            }
        }
        Ok(())
    }

    fn tick(&mut self) {
        self.maintain();
        if !self.pending.is_empty() {
            self.retry_pending();
        }
    }

    fn dropped(&mut self, count: u64) {
        // Written with the next batch, in the file of its first record's day.
        self.dropped_unnoted += count;
    }
}

impl Drop for FileWriter {
    fn drop(&mut self) {
        if !self.pending.is_empty() {
            self.retry_pending();
        }
        let lost = count_lines(&self.pending.bytes);
        if lost > 0 {
            self.shared.lost_lines.fetch_add(lost, Ordering::Relaxed);
            self.shared.diagnostics.report(format_args!(
                "{lost} lines could not be written before the sink closed (the disk kept failing)"
            ));
        }
    }
}
