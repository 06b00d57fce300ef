//! The logging path allocates nothing per record once buffers have grown: formatting in every
//! format, a disabled record, and an enabled record formatted and queued to a non-blocking
//! sink and captured for a deferred one. A counting global allocator counts the allocations of the watched thread only (the
//! worker threads may allocate as they like).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt;
use std::io;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use logcore::{
    Batch, BatchWriter, Captured, Config, Deferred, Event, Format, Formatter, Level, LevelFilter, LineBuf,
    LoggerBuilder, NonBlockingBuilder, RequestId, RequestScope, Scratch, Sink, SinkOptions, SinkStats, Timestamp,
    Value, WorkerSink, Zone,
};

struct Counting;

thread_local! {
    // (watching, allocations seen while watching): per thread, so tests cannot disturb each other.
    static WATCH: Cell<(bool, usize)> = const { Cell::new((false, 0)) };
}

fn note() {
    let _ = WATCH.try_with(|w| {
        let (watching, n) = w.get();
        if watching {
            w.set((true, n + 1));
        }
    });
}

// SAFETY: every call is passed to the system allocator unchanged; counting has no effect on it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: the caller's contract is passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made on this thread by 1,000 calls of `f`, after 100 to warm up.
fn allocations_during(mut f: impl FnMut(u64)) -> usize {
    for i in 0..100 {
        f(i);
    }
    WATCH.with(|w| w.set((true, 0)));
    for i in 0..1000 {
        f(i);
    }
    let (_, n) = WATCH.with(|w| w.replace((false, 0)));
    n
}

fn format_one(formatter: &Formatter, out: &mut Vec<u8>, scratch: &mut Scratch, i: u64) {
    let fields = [
        ("tokens", Value::U64(145 + i)),
        ("tps", Value::F64(78.4)),
        ("model", Value::Str("synthetic 7b")),
    ];
    let details: [&dyn fmt::Display; 1] = [&"caused by: connection reset"];
    out.clear();
    formatter.format(
        &Event {
            function: Some("generate_text"),
            request_id: Some("req_a1b2c3d4"),
            thread: Some("main"),
            fields: &fields,
            details: &details,
            ..Event::new(
                Timestamp::new(1_737_297_015 + (i / 500) as i64, (i as u32) * 1000),
                Level::Info,
                "inference_demo::engine",
                &format_args!(
                    "Generated {} tokens in {} ms ({:.1} tokens/s)\n이미지 😀",
                    i, 1850, 78.4
                ),
            )
        },
        out,
        scratch,
    );
}

#[test]
fn formatting_a_record_allocates_nothing() {
    for format in [Format::Pipe, Format::Compact, Format::Json] {
        let formatter = Formatter::new(format).with_zone(Zone::utc()).with_color(true);
        let mut out = Vec::new();
        let mut scratch = Scratch::new();
        let n = allocations_during(|i| format_one(&formatter, &mut out, &mut scratch, i));
        assert_eq!(n, 0, "{format}: allocations while formatting");
        assert!(out.ends_with(b"\n"));
    }
}

struct Discard;

impl BatchWriter for Discard {
    fn write_batch(&mut self, _: &Batch<'_>) -> io::Result<()> {
        Ok(())
    }
}

/// A sink that takes records on the logger's worker and counts them.
#[derive(Clone, Default)]
struct DeferredCount(Arc<AtomicU64>);

impl Deferred for DeferredCount {
    fn take(&mut self, record: Captured<'_>) {
        if record.target().is_some() {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Sink for DeferredCount {
    fn log(&self, _: &Event<'_>, _: &mut LineBuf) {
        unreachable!("taken on the logger's worker");
    }

    fn deferred(&self) -> Option<Box<dyn Deferred>> {
        Some(Box::new(self.clone()))
    }

    fn flush(&self, _: Duration) -> bool {
        true
    }

    fn stats(&self) -> SinkStats {
        SinkStats::default()
    }
}

#[test]
fn disabled_and_enabled_records_allocate_nothing() {
    let formatter = Formatter::new(Format::Pipe).with_zone(Zone::utc());
    let sink = WorkerSink::spawn("discard", formatter, NonBlockingBuilder::default(), Discard).unwrap();
    let mut config = Config::default();
    config.level = LevelFilter::INFO;
    config.console.enabled = false;
    // Two deferred sinks: records are captured and queued for the logger's worker.
    let deferred = DeferredCount::default();
    let _logger = LoggerBuilder::new(config)
        .sink("discard", sink, SinkOptions::default())
        .sink("deferred", deferred.clone(), SinkOptions::default())
        .sink("deferred too", deferred.clone(), SinkOptions::default())
        .install()
        .unwrap();
    let _scope = RequestScope::enter(RequestId::generate());

    let disabled = allocations_during(|i| logcore::debug!("token {} of {} at {}", i, 512, 0.7));
    assert_eq!(disabled, 0, "a disabled record allocated");
    let enabled = allocations_during(
        |i| logcore::info!(tokens = i, model = "synthetic"; "Generated {} tokens in {} ms ({:.1} tokens/s)", i, 1850, 78.4),
    );
    assert_eq!(enabled, 0, "an enabled record allocated on the logging thread");
    assert!(logcore::flush());
    let written = logcore::stats().unwrap().sink("discard").unwrap().stats.written;
    assert_eq!(written, 1100, "every enabled record reached the sink");
    assert_eq!(deferred.0.load(Ordering::Relaxed), 2200, "and both deferred sinks");
}
