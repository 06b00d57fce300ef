//! Formatting allocates nothing per record once the caller's buffers have grown: a counting
//! global allocator watches this thread while a thousand records are formatted.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

use logfmt::{Event, Format, Formatter, Level, Scratch, Timestamp, Value, Zone};

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
fn formatting_a_record_allocates_nothing_after_warm_up() {
    for format in [Format::Pipe, Format::Compact, Format::Json] {
        let formatter = Formatter::new(format).with_zone(Zone::utc()).with_color(true);
        let mut out = Vec::new();
        let mut scratch = Scratch::new();
        for i in 0..100 {
            format_one(&formatter, &mut out, &mut scratch, i);
        }
        ALLOCATIONS.store(0, Ordering::Relaxed);
        WATCHING.with(|w| w.set(true));
        for i in 0..1000 {
            format_one(&formatter, &mut out, &mut scratch, i);
        }
        WATCHING.with(|w| w.set(false));
        assert_eq!(
            ALLOCATIONS.load(Ordering::Relaxed),
            0,
            "{format}: allocations while formatting"
        );
        assert!(out.ends_with(b"\n"));
    }
}
