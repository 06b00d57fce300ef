//! Running the workload on T threads started together, timing every call from the caller's
//! side, and what is measured after the logger has shut down (lines on disk, peak RSS).

use std::fs::{self, File};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use crate::workload::{self, Values};

/// How much to log, and from how many threads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    /// Logging threads, all started together.
    pub(crate) threads: usize,
    /// Records in all, split evenly over the threads.
    pub(crate) records: u64,
}

impl Plan {
    /// The records thread `index` logs: an even share, the remainder going to the first ones.
    fn share(&self, index: usize) -> u64 {
        let threads = self.threads as u64;
        self.records / threads + u64::from((index as u64) < self.records % threads)
    }
}

/// What a logging thread knows about itself.
#[derive(Debug)]
pub(crate) struct Worker {
    /// The request id this thread logs under.
    pub(crate) request_id: String,
}

/// The calls have returned; the logger has not been shut down yet.
#[derive(Debug)]
pub(crate) struct Logged {
    started: Instant,
    latencies: Vec<u32>,
}

impl Logged {
    /// Called once the logger has flushed and shut down: every record is in the file.
    pub(crate) fn finished(self) -> Measured {
        Measured {
            elapsed: self.started.elapsed(),
            latencies: self.latencies,
        }
    }
}

/// Caller-side latencies and the time until every record was on disk.
#[derive(Debug)]
pub(crate) struct Measured {
    /// From the barrier until the logger had flushed and shut down.
    pub(crate) elapsed: Duration,
    /// Nanoseconds per call, from every thread.
    pub(crate) latencies: Vec<u32>,
}

/// Runs the workload: `setup` makes each thread's state before the barrier (a request scope,
/// a buffer), then `log_one` is timed once per record.
pub(crate) fn drive<S, G, F>(plan: &Plan, setup: S, log_one: F) -> Logged
where
    S: Fn(&Worker) -> G + Sync,
    F: Fn(&mut G, &Worker, &Values) + Sync,
{
    let barrier = Barrier::new(plan.threads + 1);
    let (started, per_thread) = thread::scope(|scope| {
        let handles: Vec<_> = (0..plan.threads)
            .map(|index| {
                let (barrier, setup, log_one) = (&barrier, &setup, &log_one);
                let share = plan.share(index);
                thread::Builder::new()
                    .name(format!("bench-{index}"))
                    .spawn_scoped(scope, move || {
                        let worker = Worker {
                            request_id: workload::request_id(index),
                        };
                        // Written now, not zeroed lazily, so no page fault lands in a timed call.
                        let mut latencies = vec![u32::MAX; share as usize];
                        let mut state = setup(&worker);
                        let first = index as u64 * (plan.records / plan.threads as u64 + 1);
                        barrier.wait();
                        for (n, slot) in latencies.iter_mut().enumerate() {
                            let values = Values::of(first + n as u64);
                            let before = Instant::now();
                            log_one(&mut state, &worker, &values);
                            *slot = u32::try_from(before.elapsed().as_nanos()).unwrap_or(u32::MAX);
                        }
                        drop(state);
                        latencies
                    })
                    .expect("spawning a logging thread")
            })
            .collect();
        barrier.wait();
        let started = Instant::now();
        let per_thread: Vec<Vec<u32>> = handles
            .into_iter()
            .map(|h| h.join().expect("a logging thread panicked"))
            .collect();
        (started, per_thread)
    });
    Logged {
        started,
        latencies: per_thread.concat(),
    }
}

/// p50, p99, p99.9 and max of `latencies`, in nanoseconds.
pub(crate) fn percentiles(latencies: &mut [u32]) -> [u32; 4] {
    if latencies.is_empty() {
        return [0; 4];
    }
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    [at(0.50), at(0.99), at(0.999), latencies[latencies.len() - 1]]
}

/// Lines holding [`workload::MARKER`] in every file under `dir`.
pub(crate) fn count_lines(dir: &Path) -> Result<u64, String> {
    let mut count = 0;
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries = fs::read_dir(&dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let file = File::open(&path).map_err(|e| format!("opening {}: {e}", path.display()))?;
            for line in BufReader::with_capacity(1 << 20, file).split(b'\n') {
                let line = line.map_err(|e| format!("reading {}: {e}", path.display()))?;
                if contains(&line, workload::MARKER.as_bytes()) {
                    count += 1;
                }
            }
        }
    }
    Ok(count)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The process's peak resident set size (`VmHWM`), in kB; 0 where `/proc` is not there.
pub(crate) fn peak_rss_kb() -> u64 {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn shares_add_up_to_the_records() {
        let plan = Plan {
            threads: 4,
            records: 1_000_003,
        };
        let shares: Vec<u64> = (0..4).map(|i| plan.share(i)).collect();
        assert_eq!(shares.iter().sum::<u64>(), 1_000_003);
        assert_eq!(shares, [250_001, 250_001, 250_001, 250_000]);
    }

    #[test]
    fn drive_times_every_call_on_every_thread() {
        let calls = AtomicU64::new(0);
        let plan = Plan {
            threads: 3,
            records: 1000,
        };
        let logged = drive(
            &plan,
            |w| w.request_id.clone(),
            |state, worker, _| {
                assert_eq!(*state, worker.request_id);
                calls.fetch_add(1, Ordering::Relaxed);
            },
        );
        let measured = logged.finished();
        assert_eq!(calls.load(Ordering::Relaxed), 1000);
        assert_eq!(measured.latencies.len(), 1000);
    }

    #[test]
    fn percentiles_pick_ranks() {
        let mut v: Vec<u32> = (1..=1000).rev().collect();
        assert_eq!(percentiles(&mut v), [501, 990, 999, 1000]);
    }

    #[test]
    fn only_marked_lines_are_counted() {
        let dir = std::env::temp_dir().join(format!("peer-bench-count-{}", std::process::id()));
        fs::create_dir_all(dir.join("sub")).unwrap();
        fs::write(
            dir.join("a.log"),
            "x Generation finished\nnotice\nGeneration finished y\n",
        )
        .unwrap();
        fs::write(dir.join("sub/b.log"), "Generation finished").unwrap();
        let n = count_lines(&dir).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(n, 3);
    }

    #[test]
    fn peak_rss_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(peak_rss_kb() > 0);
        }
    }
}
