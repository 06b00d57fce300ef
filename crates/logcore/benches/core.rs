//! Micro-benchmarks of the logging path, run by `cargo xtask bench`: a disabled record, the
//! formatting of a typical line, and an enabled record as its caller pays for it.
//!
//! The harness is `bench/harness.rs` (shared with `perfmon`'s bench): each case runs its loop
//! in samples of fixed size after a warm-up, and the table shows the median and the fastest
//! sample per call.

use std::hint::black_box;
use std::io;

use logcore::{
    Batch, BatchWriter, Config, Event, Format, Formatter, LevelFilter, LineBuf, LoggerBuilder, NonBlockingBuilder,
    RequestId, RequestScope, SinkOptions, Timestamp, WorkerSink, Zone,
};

#[path = "../../../bench/harness.rs"]
mod harness;

use harness::Row;

/// ns per call of `run(n)` (which performs `n` calls), by the wall clock.
fn measure(name: &str, target: Option<f64>, per_sample: u64, mut run: impl FnMut(u64)) -> Row {
    Row::new(name, target, &harness::samples(per_sample, &mut run, harness::wall_ns))
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
    let table = format!("{}\nThe typical line is {bytes} bytes long.\n", harness::table(&rows));
    harness::publish("core.md", &table);
}
