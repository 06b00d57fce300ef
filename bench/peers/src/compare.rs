//! `peer-bench all`: runs this binary once per (thread count, logger) and round, each in a
//! fresh process and an empty directory, collects their JSON lines and writes the report.
//!
//! A shared 2-core machine is noisy: one run of a logger can be twice as slow as the next. So
//! every (thread count, logger) runs `--repeat` times (default 3), in rounds that go through
//! all of them before repeating any, and the report shows each figure's median over the runs
//! (lines lost and peak RSS: the worst run).

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::peers::Logger;
use crate::{Flags, Outcome, report};

/// What `all` runs, and where it writes.
#[derive(Debug)]
pub(crate) struct Options {
    records: u64,
    repeat: usize,
    threads: Vec<usize>,
    loggers: Vec<Logger>,
    out: PathBuf,
    work_dir: PathBuf,
}

/// A logger that did not give a result, and why.
#[derive(Debug)]
pub(crate) struct Missing {
    pub(crate) logger: Logger,
    pub(crate) threads: usize,
    pub(crate) reason: String,
}

impl Options {
    /// From `--records`, `--threads`, `--loggers`, `--out` and `--work-dir`.
    pub(crate) fn from_flags(flags: &Flags) -> Result<Options, String> {
        flags.only(&["records", "repeat", "threads", "loggers", "out", "work-dir"])?;
        let threads = list(flags.get("threads").unwrap_or("1,2,4"), |t| {
            t.parse::<usize>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("--threads: `{t}` is not a thread count"))
        })?;
        let loggers = match flags.get("loggers") {
            Some(names) => list(names, Logger::parse)?,
            None => Logger::ALL.to_vec(),
        };
        Ok(Options {
            records: flags.number("records")?.unwrap_or(1_000_000),
            repeat: usize::try_from(flags.number("repeat")?.unwrap_or(3).max(1)).unwrap_or(1),
            threads,
            loggers,
            out: flags.get("out").unwrap_or("target/bench/peers.md").into(),
            work_dir: flags.get("work-dir").unwrap_or("target/bench/peers").into(),
        })
    }

    /// Runs every (thread count, logger), then prints and writes the table.
    pub(crate) fn run(&self) -> Result<(), String> {
        let exe = std::env::current_exe().map_err(|e| format!("finding this binary: {e}"))?;
        let mut runs: Vec<Vec<Outcome>> = Vec::new();
        let mut missing = Vec::new();
        for round in 1..=self.repeat {
            for &threads in &self.threads {
                for &logger in &self.loggers {
                    if missing
                        .iter()
                        .any(|m: &Missing| m.logger == logger && m.threads == threads)
                    {
                        continue;
                    }
                    eprintln!(
                        "peer-bench: round {round}/{}: {logger}, {threads} threads, {} records",
                        self.repeat, self.records
                    );
                    match self.run_one(&exe, logger, threads) {
                        Ok(outcome) => match runs
                            .iter_mut()
                            .find(|r| r[0].logger == outcome.logger && r[0].threads == threads)
                        {
                            Some(r) => r.push(outcome),
                            None => runs.push(vec![outcome]),
                        },
                        Err(reason) => {
                            eprintln!("peer-bench: {logger} on {threads} threads failed: {reason}");
                            missing.push(Missing {
                                logger,
                                threads,
                                reason,
                            });
                        }
                    }
                }
            }
        }
        let outcomes: Vec<Outcome> = runs.into_iter().map(median).collect();
        let table = report::markdown(self.records, &outcomes, &missing);
        println!("{table}");
        if let Some(parent) = self.out.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(|e| format!("creating {}: {e}", parent.display()))?;
        }
        fs::write(&self.out, table).map_err(|e| format!("writing {}: {e}", self.out.display()))?;
        eprintln!("peer-bench: table written to {}", self.out.display());
        Ok(())
    }

    /// One child process; its directory is removed afterwards (a run leaves up to
    /// records x 190 bytes).
    fn run_one(&self, exe: &std::path::Path, logger: Logger, threads: usize) -> Result<Outcome, String> {
        let dir = self.work_dir.join(format!("{logger}-{threads}t"));
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(|e| format!("clearing {}: {e}", dir.display()))?;
        }
        let output = Command::new(exe)
            .arg("run")
            .args(["--logger", logger.name()])
            .args(["--threads", &threads.to_string()])
            .args(["--records", &self.records.to_string()])
            .arg("--dir")
            .arg(&dir)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("starting {}: {e}", exe.display()))?;
        let _ = fs::remove_dir_all(&dir);
        if !output.status.success() {
            return Err(format!("exited with {}", output.status));
        }
        // A peer may print to stdout too; the result is the last JSON line.
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line = stdout
            .lines()
            .rev()
            .find(|l| l.starts_with('{'))
            .ok_or_else(|| format!("printed no result; stdout was {stdout:?}"))?;
        serde_json::from_str(line).map_err(|e| format!("reading its result {line:?}: {e}"))
    }
}

/// Each figure's median over the runs of one (logger, thread count); the worst run's lines
/// lost and peak RSS.
fn median(runs: Vec<Outcome>) -> Outcome {
    fn mid<T: Copy + PartialOrd>(mut v: Vec<T>) -> T {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        v[v.len() / 2]
    }
    let pick = |f: fn(&Outcome) -> u32| mid(runs.iter().map(f).collect());
    Outcome {
        logger: runs[0].logger.clone(),
        threads: runs[0].threads,
        records: runs[0].records,
        p50_ns: pick(|o| o.p50_ns),
        p99_ns: pick(|o| o.p99_ns),
        p999_ns: pick(|o| o.p999_ns),
        max_ns: pick(|o| o.max_ns),
        throughput_rps: mid(runs.iter().map(|o| o.throughput_rps).collect()),
        lines_lost: runs.iter().map(|o| o.lines_lost).max().unwrap_or(0),
        peak_rss_kb: runs.iter().map(|o| o.peak_rss_kb).max().unwrap_or(0),
    }
}

fn list<T>(text: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<Vec<T>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(parse)
        .collect()
}
