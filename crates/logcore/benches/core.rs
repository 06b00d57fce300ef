//! Micro-benchmarks of the logging path, run by `cargo xtask bench`: a disabled record, the
//! formatting of a typical line, and an enabled record as its caller pays for it.
//!
//! A small harness of our own (no criterion): each case runs its loop in samples of fixed
//! size after a warm-up, and the table shows the median and the fastest sample per call.

use std::hint::black_box;
use std::io;
use std::time::{Duration, Instant};

use logcore::{
    Batch, BatchWriter, Config, Event, Format, Formatter, LevelFilter, LineBuf, LoggerBuilder, NonBlockingBuilder,
    RequestId, RequestScope, SinkOptions, Timestamp, WorkerSink, Zone,
};

const SAMPLES: usize = 25;

struct Row {
    name: &'static str,
    median_ns: f64,
    min_ns: f64,
    target: Option<f64>,
}

/// Runs `run(n)` (which performs `n` calls) in samples and returns ns per call.
fn measure(name: &'static str, target: Option<f64>, per_sample: u64, mut run: impl FnMut(u64)) -> Row {
    let warm_until = Instant::now() + Duration::from_millis(200);
    while Instant::now() < warm_until {
        run(per_sample);
    }
    let mut samples: Vec<f64> = (0..SAMPLES)
        .map(|_| {
            let start = Instant::now();
            run(per_sample);
            start.elapsed().as_nanos() as f64 / per_sample as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    Row {
        name,
        median_ns: samples[SAMPLES / 2],
        min_ns: samples[0],
        target,
    }
}

/// Discards batches: the cost measured is the caller's.
struct Discard;

impl BatchWriter for Discard {
    fn write_batch(&mut self, batch: &Batch<'_>) -> io::Result<()> {
        black_box(batch.bytes());
        Ok(())
    }
}

/// 2025-01-19 14:30:15 UTC: formatting is measured, not reading the clock (the logger reads
/// it once per record, outside the formatter).
const AT: Timestamp = Timestamp::new(1_737_297_015, 123_456_789);

fn typical_event_line(formatter: &Formatter, line: &mut LineBuf, tokens: u64, ms: u64, tps: f64) -> usize {
    line.format(
        formatter,
        &Event {
            function: Some("generate_text"),
            request_id: Some("req_a1b2c3d4"),
            ..Event::new(
                AT,
                logcore::Level::Info,
                "inference_demo::engine",
                &format_args!("Generation finished: {tokens} tokens in {ms} ms ({tps:.1} tokens/s), prompt cache hit, batch slot 3"),
            )
        },
    )
    .len()
}

fn main() {
    let pipe = Formatter::new(Format::Pipe).with_zone(Zone::utc());
    let sink = WorkerSink::spawn("bench", pipe, NonBlockingBuilder::default(), Discard).expect("worker");
    let mut config = Config::default();
    config.level = LevelFilter::INFO;
    config.console.enabled = false;
    let _logger = LoggerBuilder::new(config)
        .sink("bench", sink, SinkOptions::default())
        .install()
        .expect("install");

    let mut rows = Vec::new();
    rows.push(measure(
        "disabled `logcore::debug!` (3 args)",
        Some(2.0),
        10_000_000,
        |n| {
            for i in 0..n {
                logcore::debug!("token {} of {} at {}", black_box(i), 512, 0.7);
            }
        },
    ));
    rows.push(measure(
        "disabled `log::debug!` (3 args), for reference",
        None,
        10_000_000,
        |n| {
            for i in 0..n {
                log::debug!("token {} of {} at {}", black_box(i), 512, 0.7);
            }
        },
    ));
    for (name, format, redact, target) in [
        ("format a typical line, pipe (3 args)", Format::Pipe, true, Some(250.0)),
        ("the same with redaction off", Format::Pipe, false, None),
        ("format a typical line, compact", Format::Compact, true, None),
        ("format a typical line, JSON", Format::Json, true, None),
    ] {
        let formatter = Formatter::new(format).with_zone(Zone::utc()).with_redaction(redact);
        let mut line = LineBuf::new();
        rows.push(measure(name, target, 200_000, |n| {
            for i in 0..n {
                black_box(typical_event_line(
                    &formatter,
                    &mut line,
                    black_box(145 + (i & 7)),
                    1850,
                    78.4,
                ));
            }
        }));
    }
    let _scope = RequestScope::enter(RequestId::parse("req_a1b2c3d4").expect("id"));
    rows.push(measure(
        "enabled `info!` (3 args) to a non-blocking sink, caller side",
        None,
        200_000,
        |n| {
            for i in 0..n {
                logcore::info!(
                    target: "inference_demo::engine",
                    "Generation finished: {} tokens in {} ms ({:.1} tokens/s), prompt cache hit, batch slot 3",
                    black_box(145 + (i & 7)),
                    1850,
                    78.4
                );
            }
        },
    ));
    logcore::flush();

    let pipe = Formatter::new(Format::Pipe).with_zone(Zone::utc());
    let bytes = typical_event_line(&pipe, &mut LineBuf::new(), 145, 1850, 78.4);
    let table = render(&rows, bytes);
    println!("{table}");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench");
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join("core.md"), &table);
    }
}

fn render(rows: &[Row], line_bytes: usize) -> String {
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
    out.push_str(&format!("\nThe typical line is {line_bytes} bytes long.\n"));
    out
}
