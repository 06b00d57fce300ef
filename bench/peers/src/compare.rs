//! `peer-bench all`: runs this binary once per (thread count, logger), each in a fresh
//! process and an empty directory, collects their JSON lines and writes the report.

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::peers::Logger;
use crate::{Flags, Outcome, report};

/// What `all` runs, and where it writes.
#[derive(Debug)]
pub(crate) struct Options {
    records: u64,
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
        flags.only(&["records", "threads", "loggers", "out", "work-dir"])?;
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
            threads,
            loggers,
            out: flags.get("out").unwrap_or("target/bench/peers.md").into(),
            work_dir: flags.get("work-dir").unwrap_or("target/bench/peers").into(),
        })
    }

    /// Runs every (thread count, logger), then prints and writes the table.
    pub(crate) fn run(&self) -> Result<(), String> {
        let exe = std::env::current_exe().map_err(|e| format!("finding this binary: {e}"))?;
        let mut outcomes = Vec::new();
        let mut missing = Vec::new();
        for &threads in &self.threads {
            for &logger in &self.loggers {
                eprintln!("peer-bench: {logger}, {threads} threads, {} records", self.records);
                match self.run_one(&exe, logger, threads) {
                    Ok(outcome) => outcomes.push(outcome),
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

fn list<T>(text: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<Vec<T>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(parse)
        .collect()
}
