//! `peer-bench`: file-logging libraries compared on one LLM-server workload, each in its own
//! process.
//!
//! - `peer-bench run --logger NAME --threads T --records N --dir DIR` runs one logger in this
//!   process and prints one JSON line of results ([`Outcome`]).
//! - `peer-bench all [--records N] [--threads 1,2,4] [--out FILE.md]` runs this binary once per
//!   logger and thread count and writes the Markdown table (see `README.md`).

mod clock;
mod compare;
mod harness;
mod peers;
mod report;
/// The micro-benchmark harness the workspace's benches share (for its number formatting).
#[path = "../../harness.rs"]
mod shared;
mod workload;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::{Deserialize, Serialize};

use crate::harness::Plan;
use crate::peers::Logger;

const USAGE: &str = "usage:
  peer-bench run --logger NAME --threads T --records N --dir DIR
  peer-bench all [--records N] [--threads 1,2,4] [--out FILE.md] [--loggers a,b,...] [--work-dir DIR]

loggers: ours, baseline, fern, log4rs, flexi-direct, flexi-async, tracing-appender, spdlog-async, ftlog";

/// What one `run` measured: the JSON line it prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Outcome {
    pub(crate) logger: String,
    pub(crate) threads: usize,
    pub(crate) records: u64,
    pub(crate) p50_ns: u32,
    pub(crate) p99_ns: u32,
    pub(crate) p999_ns: u32,
    pub(crate) max_ns: u32,
    /// Records per second, from the barrier until every record was in the file.
    pub(crate) throughput_rps: f64,
    /// Records logged less the lines found in the files.
    pub(crate) lines_lost: i64,
    pub(crate) peak_rss_kb: u64,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => Flags::parse(&args[1..]).and_then(|f| run(&f)),
        Some("all") => Flags::parse(&args[1..]).and_then(|f| compare::Options::from_flags(&f)?.run()),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("peer-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `peer-bench run`: one logger, in this process.
fn run(flags: &Flags) -> Result<(), String> {
    flags.only(&["logger", "threads", "records", "dir"])?;
    let logger = Logger::parse(flags.required("logger")?)?;
    let plan = Plan {
        threads: flags.number("threads")?.unwrap_or(1),
        records: flags.number("records")?.unwrap_or(1_000_000),
    };
    if plan.threads == 0 {
        return Err("--threads must be at least 1".into());
    }
    let dir = PathBuf::from(flags.required("dir")?);
    prepare_empty_dir(&dir)?;
    let mut measured = logger.run(&plan, &dir)?;
    // Read before counting lines, so that reading the files does not add to it.
    let peak_rss_kb = harness::peak_rss_kb();
    let lines = harness::count_lines(&dir)?;
    let [p50_ns, p99_ns, p999_ns, max_ns] = harness::percentiles(&mut measured.latencies);
    let outcome = Outcome {
        logger: logger.name().to_owned(),
        threads: plan.threads,
        records: plan.records,
        p50_ns,
        p99_ns,
        p999_ns,
        max_ns,
        throughput_rps: plan.records as f64 / measured.elapsed.as_secs_f64(),
        lines_lost: plan.records as i64 - lines as i64,
        peak_rss_kb,
    };
    let line = serde_json::to_string(&outcome).map_err(|e| format!("encoding the outcome: {e}"))?;
    println!("{line}");
    Ok(())
}

/// Creates `dir` if needed; it must hold nothing, or old lines would be counted.
fn prepare_empty_dir(dir: &Path) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let mut entries = fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    if entries.next().is_some() {
        return Err(format!(
            "{} is not empty; give an empty or new directory",
            dir.display()
        ));
    }
    Ok(())
}

/// `--name value` pairs.
#[derive(Debug, Default)]
pub(crate) struct Flags(Vec<(String, String)>);

impl Flags {
    fn parse(args: &[String]) -> Result<Flags, String> {
        let mut flags = Vec::new();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let name = arg
                .strip_prefix("--")
                .ok_or_else(|| format!("unexpected argument `{arg}`\n{USAGE}"))?;
            let value = args.next().ok_or_else(|| format!("--{name} needs a value"))?;
            flags.push((name.to_owned(), value.clone()));
        }
        Ok(Flags(flags))
    }

    /// The last value given for `--name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Fails on a flag not in `known`, so that a misspelt one is not silently ignored.
    pub(crate) fn only(&self, known: &[&str]) -> Result<(), String> {
        match self.0.iter().find(|(n, _)| !known.contains(&n.as_str())) {
            Some((name, _)) => Err(format!("unknown flag --{name}\n{USAGE}")),
            None => Ok(()),
        }
    }

    fn required(&self, name: &str) -> Result<&str, String> {
        self.get(name).ok_or_else(|| format!("--{name} is required\n{USAGE}"))
    }

    /// `--name` as a number, if given.
    pub(crate) fn number<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, String> {
        self.get(name)
            .map(|v| {
                v.replace('_', "")
                    .parse()
                    .map_err(|_| format!("--{name} `{v}` is not a number"))
            })
            .transpose()
    }
}
