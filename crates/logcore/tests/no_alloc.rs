//! The logging path allocates nothing per record: a disabled record, and an enabled one that
//! is formatted and queued to a non-blocking sink. A counting global allocator watches the
//! logging thread only (the worker thread may allocate as it likes).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use logcore::{
    Batch, BatchWriter, Config, Event, Format, Formatter, LevelFilter, LineBuf, LoggerBuilder, NonBlocking,
    NonBlockingBuilder, RequestId, RequestScope, Sink, SinkOptions, SinkStats, WorkerGuard, Zone,
};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static WATCHING: Cell<bool> = const { Cell::new(false) };
}

fn note() {
    if WATCHING.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
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

struct Discard;

impl BatchWriter for Discard {
    fn write_batch(&mut self, _: &Batch<'_>) -> io::Result<()> {
        Ok(())
    }
}

struct QueueSink {
    formatter: Formatter,
    queue: NonBlocking,
    _guard: WorkerGuard,
}

impl Sink for QueueSink {
    fn log(&self, event: &Event<'_>, line: &mut LineBuf) {
        self.queue.push(0, line.format(&self.formatter, event));
    }

    fn flush(&self, timeout: Duration) -> bool {
        self.queue.flush(timeout)
    }

    fn stats(&self) -> SinkStats {
        SinkStats::from_queue("discard", &self.queue.stats())
    }
}

fn allocations_during(f: impl Fn(u64)) -> usize {
    for i in 0..100 {
        f(i);
    }
    ALLOCATIONS.store(0, Ordering::Relaxed);
    WATCHING.with(|w| w.set(true));
    for i in 0..1000 {
        f(i);
    }
    WATCHING.with(|w| w.set(false));
    ALLOCATIONS.load(Ordering::Relaxed)
}

#[test]
fn disabled_and_enabled_records_allocate_nothing() {
    let (queue, guard) = NonBlockingBuilder::default().spawn(Discard).unwrap();
    let sink = QueueSink {
        formatter: Formatter::new(Format::Pipe).with_zone(Zone::utc()),
        queue,
        _guard: guard,
    };
    let mut config = Config::default();
    config.level = LevelFilter::INFO;
    config.console.enabled = false;
    let _logger = LoggerBuilder::new(config)
        .sink("discard", sink, SinkOptions::default())
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
}
