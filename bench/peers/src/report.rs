//! The Markdown report of `peer-bench all`: one table (a row per thread count and logger, with
//! ratios against the best peer), the best peers, and whether `ours` met each target.

use std::fmt::Write as _;

use crate::Outcome;
use crate::compare::Missing;
use crate::peers::Logger;
use crate::shared::group_digits;

/// `ours` must log its median call in at most this share of the best peer's.
const P50_VS_BEST: f64 = 0.5;
/// ... its p99.9 in at most this share of the best peer's.
const P999_VS_BEST: f64 = 1.0;
/// ... write at least this many times the best peer's throughput.
const THROUGHPUT_VS_BEST: f64 = 1.5;
/// ... and at least this share of the baseline's.
const THROUGHPUT_VS_BASELINE: f64 = 0.8;
/// ... and stay under this peak RSS at [`RSS_THREADS`] threads.
const RSS_LIMIT_MB: f64 = 64.0;
const RSS_THREADS: usize = 4;

/// The whole report.
pub(crate) fn markdown(records: u64, outcomes: &[Outcome], missing: &[Missing]) -> String {
    let groups: Vec<Group<'_>> = thread_counts(outcomes)
        .into_iter()
        .map(|threads| Group::new(outcomes, threads))
        .collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# File loggers compared\n\n{} records of about 190 bytes per run, each logger in its own process. \
         Latency is per call, seen by the caller. Throughput runs until every record is in the file. \
         Each figure is the median over repeated runs (`--repeat`, default 3); lines lost and peak RSS are the worst run's. \
         Ratios are against the best peer at the same thread count (neither `ours` nor `baseline`): \
         below 1 is better for latency, above 1 for throughput.\n",
        group_digits(records as f64)
    );
    out.push_str(
        "| Threads | Logger | p50 | p99 | p99.9 | max | Throughput (rec/s) | Lost | Peak RSS (MB) \
         | p50 / best | p99.9 / best | thr. / best | thr. / baseline |\n",
    );
    out.push_str("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for group in &groups {
        for o in &group.rows {
            table_row(&mut out, o, group);
        }
    }
    lost_lines_note(&mut out, outcomes);
    out.push_str("\nBest peers:\n\n");
    for group in &groups {
        let name = |o: Option<&Outcome>| o.map_or_else(|| "-".to_owned(), |o| o.logger.clone());
        let _ = writeln!(
            out,
            "- {}: p50 {}, p99.9 {}, throughput {}",
            on_threads(group.threads),
            name(group.best_p50),
            name(group.best_p999),
            name(group.best_throughput)
        );
    }
    out.push_str("\nTargets for `ours`:\n\n");
    for group in &groups {
        for line in group.targets() {
            let _ = writeln!(out, "- {}, {line}", on_threads(group.threads));
        }
    }
    for m in missing {
        let _ = writeln!(
            out,
            "- `{}`, {}: no result, {}",
            m.logger,
            on_threads(m.threads),
            m.reason
        );
    }
    out
}

/// Names the runs that lost lines, whose throughput is not comparable.
fn lost_lines_note(out: &mut String, outcomes: &[Outcome]) {
    let lossy: Vec<String> = outcomes
        .iter()
        .filter(|o| o.lines_lost != 0)
        .map(|o| format!("`{}` ({})", o.logger, on_threads(o.threads)))
        .collect();
    if !lossy.is_empty() {
        let _ = writeln!(
            out,
            "\nLost lines: {}. Throughput counts the records given, not those written, \
             and a peer that lost lines still counts as a best peer.",
            lossy.join(", ")
        );
    }
}

/// The outcomes at one thread count, and the best peer for each metric.
struct Group<'a> {
    threads: usize,
    rows: Vec<&'a Outcome>,
    best_p50: Option<&'a Outcome>,
    best_p999: Option<&'a Outcome>,
    best_throughput: Option<&'a Outcome>,
}

impl<'a> Group<'a> {
    fn new(outcomes: &'a [Outcome], threads: usize) -> Group<'a> {
        let rows: Vec<&Outcome> = outcomes.iter().filter(|o| o.threads == threads).collect();
        let peers = || {
            rows.iter()
                .copied()
                .filter(|o| Logger::parse(&o.logger).is_ok_and(Logger::is_peer))
        };
        Group {
            threads,
            best_p50: peers().min_by_key(|o| o.p50_ns),
            best_p999: peers().min_by_key(|o| o.p999_ns),
            best_throughput: peers().max_by(|a, b| a.throughput_rps.total_cmp(&b.throughput_rps)),
            rows,
        }
    }

    fn find(&self, logger: Logger) -> Option<&'a Outcome> {
        self.rows.iter().copied().find(|o| o.logger == logger.name())
    }

    /// One line per target: met, or missed by how much.
    fn targets(&self) -> Vec<String> {
        let Some(ours) = self.find(Logger::Ours) else {
            return vec!["not evaluated: no result for `ours`".into()];
        };
        let mut lines = Vec::new();
        if let Some(best) = self.best_p50 {
            let what = format!(
                "p50 <= {P50_VS_BEST}x best peer ({} {})",
                best.logger,
                nanos(best.p50_ns)
            );
            let limit = f64::from(best.p50_ns) * P50_VS_BEST;
            lines.push(at_most(&what, f64::from(ours.p50_ns), limit, |v| nanos(v as u32)));
        }
        if let Some(best) = self.best_p999 {
            let what = format!("p99.9 <= best peer ({} {})", best.logger, nanos(best.p999_ns));
            let limit = f64::from(best.p999_ns) * P999_VS_BEST;
            lines.push(at_most(&what, f64::from(ours.p999_ns), limit, |v| nanos(v as u32)));
        }
        if let Some(best) = self.best_throughput {
            let what = format!(
                "throughput >= {THROUGHPUT_VS_BEST}x best peer ({} {} rec/s)",
                best.logger,
                group_digits(best.throughput_rps)
            );
            let limit = best.throughput_rps * THROUGHPUT_VS_BEST;
            lines.push(at_least(&what, ours.throughput_rps, limit, rate));
        }
        if let Some(baseline) = self.find(Logger::Baseline) {
            let what = format!(
                "throughput >= {THROUGHPUT_VS_BASELINE}x baseline ({} rec/s)",
                group_digits(baseline.throughput_rps)
            );
            let limit = baseline.throughput_rps * THROUGHPUT_VS_BASELINE;
            lines.push(at_least(&what, ours.throughput_rps, limit, rate));
        }
        lines.push(match ours.lines_lost {
            0 => "zero lines lost: met".to_owned(),
            n => format!("zero lines lost: **missed**, {n} lines lost"),
        });
        if self.threads == RSS_THREADS {
            let what = format!("peak RSS < {RSS_LIMIT_MB} MB");
            lines.push(at_most(&what, megabytes(ours.peak_rss_kb), RSS_LIMIT_MB, |v| {
                format!("{v:.1} MB")
            }));
        }
        lines
    }
}

fn table_row(out: &mut String, o: &Outcome, group: &Group<'_>) {
    let ratio = |value: f64, best: Option<f64>| match best {
        Some(best) if best > 0.0 => format!("{:.2}x", value / best),
        _ => "-".to_owned(),
    };
    let baseline = group.find(Logger::Baseline).map(|b| b.throughput_rps);
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} | {} | {:.1} | {} | {} | {} | {} |",
        o.threads,
        o.logger,
        nanos(o.p50_ns),
        nanos(o.p99_ns),
        nanos(o.p999_ns),
        nanos(o.max_ns),
        group_digits(o.throughput_rps),
        o.lines_lost,
        megabytes(o.peak_rss_kb),
        ratio(f64::from(o.p50_ns), group.best_p50.map(|b| f64::from(b.p50_ns))),
        ratio(f64::from(o.p999_ns), group.best_p999.map(|b| f64::from(b.p999_ns))),
        ratio(o.throughput_rps, group.best_throughput.map(|b| b.throughput_rps)),
        ratio(o.throughput_rps, baseline),
    );
}

/// "met" with the margin, or "missed" with how much lower the value must go.
fn at_most(what: &str, value: f64, limit: f64, show: impl Fn(f64) -> String) -> String {
    if value <= limit {
        let spare = if value > 0.0 {
            (limit / value - 1.0) * 100.0
        } else {
            0.0
        };
        format!("{what}: met at {} ({spare:.0}% margin)", show(value))
    } else {
        let needed = (1.0 - limit / value) * 100.0;
        format!(
            "{what}: **missed** at {}, needs <= {} ({needed:.0}% lower)",
            show(value),
            show(limit)
        )
    }
}

/// "met" with the margin, or "missed" with how much higher the value must go.
fn at_least(what: &str, value: f64, limit: f64, show: impl Fn(f64) -> String) -> String {
    if value >= limit {
        let spare = if limit > 0.0 {
            (value / limit - 1.0) * 100.0
        } else {
            0.0
        };
        format!("{what}: met at {} ({spare:.0}% margin)", show(value))
    } else {
        let needed = if value > 0.0 {
            (limit / value - 1.0) * 100.0
        } else {
            f64::INFINITY
        };
        format!(
            "{what}: **missed** at {}, needs >= {} ({needed:.0}% higher)",
            show(value),
            show(limit)
        )
    }
}

fn on_threads(threads: usize) -> String {
    match threads {
        1 => "1 thread".to_owned(),
        n => format!("{n} threads"),
    }
}

fn thread_counts(outcomes: &[Outcome]) -> Vec<usize> {
    let mut counts: Vec<usize> = outcomes.iter().map(|o| o.threads).collect();
    counts.sort_unstable();
    counts.dedup();
    counts
}

/// Nanoseconds under 10 µs, then µs, then ms.
fn nanos(ns: u32) -> String {
    match ns {
        0..10_000 => format!("{ns} ns"),
        10_000..10_000_000 => format!("{:.1} µs", f64::from(ns) / 1e3),
        _ => format!("{:.1} ms", f64::from(ns) / 1e6),
    }
}

fn rate(rps: f64) -> String {
    format!("{} rec/s", group_digits(rps))
}

fn megabytes(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(logger: &str, threads: usize, p50: u32, p999: u32, rps: f64) -> Outcome {
        Outcome {
            logger: logger.into(),
            threads,
            records: 1000,
            p50_ns: p50,
            p99_ns: p999,
            p999_ns: p999,
            max_ns: p999 * 10,
            throughput_rps: rps,
            lines_lost: 0,
            peak_rss_kb: 10 * 1024,
        }
    }

    #[test]
    fn best_peer_leaves_out_ours_and_baseline() {
        let outcomes = [
            outcome("ours", 4, 50, 900, 3e6),
            outcome("baseline", 4, 10, 100, 9e6),
            outcome("fern", 4, 300, 2000, 1e6),
            outcome("spdlog-async", 4, 200, 5000, 2e6),
        ];
        let group = Group::new(&outcomes, 4);
        assert_eq!(group.best_p50.unwrap().logger, "spdlog-async");
        assert_eq!(group.best_p999.unwrap().logger, "fern");
        assert_eq!(group.best_throughput.unwrap().logger, "spdlog-async");
        let targets = group.targets().join("\n");
        assert!(
            targets.contains("p50 <= 0.5x best peer (spdlog-async 200 ns): met at 50 ns"),
            "{targets}"
        );
        assert!(targets.contains("throughput >= 0.8x baseline"), "{targets}");
        assert!(
            targets.contains("**missed** at 3,000,000 rec/s, needs >= 7,200,000"),
            "{targets}"
        );
        assert!(targets.contains("peak RSS < 64 MB: met"), "{targets}");
    }

    #[test]
    fn the_table_has_a_row_per_outcome_and_notes_what_is_missing() {
        let mut lossy = outcome("ftlog", 2, 310, 2100, 1.1e6);
        lossy.lines_lost = 7;
        let outcomes = [
            outcome("fern", 1, 300, 2000, 1e6),
            outcome("fern", 2, 310, 2100, 1.1e6),
            lossy,
        ];
        let missing = [Missing {
            logger: Logger::Ours,
            threads: 1,
            reason: "exited with exit status: 1".into(),
        }];
        let md = markdown(1000, &outcomes, &missing);
        assert_eq!(
            md.lines()
                .filter(|l| l.starts_with("| 1 | fern") || l.starts_with("| 2 | fern"))
                .count(),
            2
        );
        assert!(md.contains("no result for `ours`"), "{md}");
        assert!(md.contains("`ours`, 1 thread: no result, exited"), "{md}");
        assert!(md.contains("Lost lines: `ftlog` (2 threads)."), "{md}");
    }

    #[test]
    fn numbers_read_easily() {
        assert_eq!(group_digits(1_234_567.8), "1,234,568");
        assert_eq!(group_digits(999.0), "999");
        assert_eq!(nanos(950), "950 ns");
        assert_eq!(nanos(12_345), "12.3 µs");
        assert_eq!(nanos(25_000_000), "25.0 ms");
    }
}
