//! Micro-benchmarks of perfmon's hot paths, run by `cargo xtask bench`: a timer started and
//! stopped, a histogram record from one thread and from four at once, a counter add and a
//! streamed token.
//!
//! The harness is `bench/harness.rs`, shared with `logcore`'s bench: samples of fixed size
//! after a warm-up, median and fastest sample per call. With several threads, each thread's cost is its own CPU time per
//! call (`CLOCK_THREAD_CPUTIME_ID`), so that a machine with fewer cores than threads does not
//! count time a thread spent waiting for a core; the threads still run at once and contend
//! for the same histogram.

use std::hint::black_box;
use std::sync::Barrier;

use perfmon::{Buckets, Histogram, Monitor};

#[path = "../../../bench/harness.rs"]
mod harness;

use harness::Row;

fn thread_cpu_ns() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes one timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e9 + ts.tv_nsec as f64
}

fn measure(name: &str, target: Option<f64>, per_sample: u64, mut run: impl FnMut(u64)) -> Row {
    Row::new(name, target, &harness::samples(per_sample, &mut run, thread_cpu_ns))
}

/// `threads` threads run `run` at once; the row is the median over every thread's samples.
fn measure_threads<F>(name: &str, target: Option<f64>, threads: usize, per_sample: u64, make: impl Fn() -> F) -> Row
where
    F: FnMut(u64) + Send,
{
    let barrier = Barrier::new(threads);
    let mut all: Vec<f64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let mut run = make();
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    harness::samples(per_sample, &mut run, thread_cpu_ns)
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    all.sort_by(f64::total_cmp);
    Row::new(name, target, &all)
}

fn main() {
    // No logger is installed: what is measured is the timing and recording, not a log line
    // (whose cost `logcore`'s bench measures).
    let monitor = Monitor::builder().build().expect("monitor");
    let op = monitor.operation("text_generation");
    let mut rows = Vec::new();
    rows.push(measure(
        "timer start + stop, operation looked up once",
        Some(100.0),
        1_000_000,
        |n| {
            for _ in 0..n {
                drop(black_box(op.start(&monitor)));
            }
        },
    ));
    rows.push(measure(
        "timer start + stop, by name (`monitor.timer(..)`)",
        None,
        1_000_000,
        |n| {
            for _ in 0..n {
                drop(black_box(monitor.timer("text_generation")));
            }
        },
    ));
    let h = Histogram::new(Buckets::latency());
    rows.push(measure("histogram record, 1 thread", Some(30.0), 10_000_000, |n| {
        for i in 0..n {
            h.record(black_box(1_000_000 + (i & 0xffff) * 4_000));
        }
    }));
    for threads in [2, 4] {
        let target = (threads == 4).then_some(60.0);
        rows.push(measure_threads(
            &format!("histogram record, {threads} threads at once (per thread)"),
            target,
            threads,
            10_000_000,
            || {
                let h = h.clone();
                move |n| {
                    for i in 0..n {
                        h.record(black_box(1_000_000 + (i & 0xffff) * 4_000));
                    }
                }
            },
        ));
    }
    let c = monitor.metrics().generation_tokens.clone();
    rows.push(measure_threads(
        "counter add, 4 threads at once (per thread)",
        None,
        4,
        10_000_000,
        || {
            let c = c.clone();
            move |n| {
                for _ in 0..n {
                    c.add(black_box(1));
                }
            }
        },
    ));
    let mut generation = monitor.generation("/generate");
    generation.first_token();
    rows.push(measure(
        "generation tracker `token()` (clock, ITL record, counter)",
        None,
        1_000_000,
        |n| {
            for _ in 0..n {
                generation.token();
            }
        },
    ));
    drop(generation);

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let table = format!(
        "{}\nMeasured on {cores} cores; per-thread figures are thread CPU time per call.\n",
        harness::table(&rows)
    );
    harness::publish("perfmon.md", &table);
}
