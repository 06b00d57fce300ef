//! Logging never crashes or wedges the caller: a `Display` that panics costs its record only,
//! and one that logs from inside a log call is cut off before it can recurse for ever. A
//! message that several sinks take is rendered once for all of them.

mod support;

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

use log::Log;
use logcore::{Level, LevelFilter, MemorySink, SinkOptions};
use support::{CountsShows, logger_with_memory, quiet_config};

struct Panics;

impl fmt::Display for Panics {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        panic!("Display bug")
    }
}

fn log_through(logger: &logcore::Logger, args: fmt::Arguments<'_>) {
    logger.log(
        &log::Record::builder()
            .level(log::Level::Info)
            .target("t.robust")
            .args(args)
            .build(),
    );
}

#[test]
fn a_panicking_display_costs_its_record_and_the_thread_keeps_logging() {
    let (logger, memory) = logger_with_memory(quiet_config(LevelFilter::INFO));
    for _ in 0..10 {
        log_through(&logger, format_args!("value: {}", Panics));
    }
    log_through(&logger, format_args!("after the panics"));
    let messages: Vec<String> = memory.records().into_iter().map(|r| r.message).collect();
    assert_eq!(
        messages,
        ["after the panics"],
        "later records from the same thread still arrive"
    );
    let stats = logger.stats();
    assert_eq!(stats.panicked_records, 10);
    assert_eq!(stats.recursion_dropped, 0);
}

/// Logs through `logger` every time it is displayed.
struct LogsWhenShown<'a>(&'a logcore::Logger, Level);

impl fmt::Display for LogsWhenShown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        log_through(self.0, format_args!("nested {}", LogsWhenShown(self.0, self.1)));
        f.write_str("outer")
    }
}

#[test]
fn a_display_that_logs_is_cut_off_instead_of_recursing_for_ever() {
    let (logger, memory) = logger_with_memory(quiet_config(LevelFilter::INFO));
    log_through(&logger, format_args!("{}", LogsWhenShown(&logger, Level::Info)));
    let records = memory.records();
    assert!(
        records.iter().any(|r| r.message == "outer"),
        "the outermost record is written"
    );
    assert!(
        logger.stats().recursion_dropped >= 1,
        "the innermost records are counted as dropped"
    );
    log_through(&logger, format_args!("afterwards"));
    assert_eq!(memory.records().last().unwrap().message, "afterwards");
}

#[test]
fn a_message_that_several_sinks_take_is_rendered_once() {
    let (logger, memory) = logger_with_memory(quiet_config(LevelFilter::INFO));
    let second = MemorySink::new();
    logger
        .add_sink("second", second.clone(), SinkOptions::default())
        .unwrap();
    let shows = AtomicUsize::new(0);
    log_through(&logger, format_args!("value: {}", CountsShows(&shows)));
    assert_eq!(shows.load(Ordering::Relaxed), 1);
    for sink in [&memory, &second] {
        assert_eq!(sink.records()[0].message, "value: shown (1)");
    }
    // A panic while rendering it once is met again by each sink, which counts its record.
    log_through(&logger, format_args!("{}", Panics));
    assert_eq!(logger.stats().panicked_records, 2);
    log_through(&logger, format_args!("after"));
    for sink in [&memory, &second] {
        let messages: Vec<String> = sink.records().into_iter().map(|r| r.message).collect();
        assert_eq!(messages, ["value: shown (1)", "after"]);
    }
}
