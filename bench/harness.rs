//! The micro-benchmark harness that `logcore`'s and `perfmon`'s benches share (each includes
//! this file with `#[path]`): samples of a fixed number of calls after a warm-up, and a
//! Markdown table of the median and fastest sample per call against a target. No criterion:
//! the figures must be comparable with the peer benchmark's, and the table goes into
//! docs/performance.md as it is.
#![allow(dead_code)]

use std::time::{Duration, Instant};

/// Samples per benchmark.
pub const SAMPLES: usize = 25;

/// One benchmark's result.
pub struct Row {
    pub name: String,
    pub median_ns: f64,
    pub min_ns: f64,
    pub target: Option<f64>,
}

impl Row {
    /// The row of sorted `samples` (ns per call).
    pub fn new(name: &str, target: Option<f64>, samples: &[f64]) -> Row {
        Row {
            name: name.to_owned(),
            median_ns: samples[samples.len() / 2],
            min_ns: samples[0],
            target,
        }
    }
}

/// Runs `run(n)` (which performs `n` calls) for 200 ms, then [`SAMPLES`] times, timing each
/// sample with `now_ns`; returns ns per call, sorted.
pub fn samples(per_sample: u64, run: &mut impl FnMut(u64), now_ns: impl Fn() -> f64) -> Vec<f64> {
    let warm_until = Instant::now() + Duration::from_millis(200);
    while Instant::now() < warm_until {
        run(per_sample);
    }
    let mut samples: Vec<f64> = (0..SAMPLES)
        .map(|_| {
            let start = now_ns();
            run(per_sample);
            (now_ns() - start) / per_sample as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples
}

/// `1234567.8` as `1,234,568`: rates in the tables.
pub fn group_digits(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Wall-clock nanoseconds since the first call.
pub fn wall_ns() -> f64 {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_nanos() as f64
}

/// The Markdown table of `rows`.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| benchmark | median ns/call | fastest sample ns/call | target | met |\n|---|---:|---:|---:|:---:|\n",
    );
    for r in rows {
        let (target, met) = match r.target {
            Some(t) => (format!("< {t}"), if r.median_ns < t { "yes" } else { "**no**" }),
            None => ("-".to_owned(), "-"),
        };
        out.push_str(&format!(
            "| {} | {:.1} | {:.1} | {target} | {met} |\n",
            r.name, r.median_ns, r.min_ns
        ));
    }
    out
}

/// Prints `table` and writes it to `target/bench/<file>`.
pub fn publish(file: &str, table: &str) {
    println!("{table}");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench");
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join(file), table);
    }
}
