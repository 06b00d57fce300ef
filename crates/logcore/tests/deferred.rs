//! Deferred sinks (file and remote sinks work this way): from the second one on, the log call
//! captures the record once, and the logger's worker replays it to every deferred sink that
//! accepted it. A single deferred sink is served on the caller's thread.

mod support;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use log::Log;
use logcore::{
    Captured, Deferred, LevelFilter, LineBuf, Logger, LoggerBuilder, MemorySink, RequestId, RequestScope, Sink,
    SinkOptions, SinkStats,
};
use parking_lot::Mutex;
use support::{CountsShows, quiet_config};

/// One record as a probe took it: the thread it was taken on, and the record described.
#[derive(Clone, Debug)]
struct Taken {
    on_thread: String,
    bytes_at: usize,
    text: String,
}

/// A sink whose part on the logger's worker keeps what it takes.
#[derive(Clone, Default)]
struct Probe {
    taken: Arc<Mutex<Vec<Taken>>>,
    batches: Arc<AtomicUsize>,
    panic_on: Option<&'static str>,
}

impl Probe {
    fn texts(&self) -> Vec<String> {
        self.taken.lock().iter().map(|t| t.text.clone()).collect()
    }
}

struct ProbeFeed(Probe);

fn describe(event: &logcore::Event<'_>) -> String {
    let mut fields = Vec::new();
    event.fields.visit(&mut |k, v| fields.push(format!("{k}={v}")));
    format!(
        "{:?} {} [{}] ({}) {} {}",
        event.level,
        event.target,
        event.request_id.unwrap_or("-"),
        event.thread.unwrap_or("-"),
        event.message,
        fields.join(" ")
    )
}

impl Deferred for ProbeFeed {
    fn take(&mut self, record: Captured<'_>) {
        let text = record.event(describe).expect("a capture");
        if self.0.panic_on.is_some_and(|p| text.contains(p)) {
            panic!("probe told to panic");
        }
        self.0.taken.lock().push(Taken {
            on_thread: std::thread::current().name().unwrap_or("").to_owned(),
            bytes_at: record.bytes().as_ptr() as usize,
            text,
        });
    }

    fn end_batch(&mut self) {
        self.0.batches.fetch_add(1, Ordering::Relaxed);
    }
}

impl Sink for Probe {
    fn log(&self, event: &logcore::Event<'_>, _line: &mut LineBuf) {
        // Only when the logger has no bit left for it.
        self.taken.lock().push(Taken {
            on_thread: std::thread::current().name().unwrap_or("").to_owned(),
            bytes_at: 0,
            text: describe(event),
        });
    }

    fn deferred(&self) -> Option<Box<dyn Deferred>> {
        Some(Box::new(ProbeFeed(self.clone())))
    }

    fn flush(&self, _timeout: Duration) -> bool {
        true
    }

    fn stats(&self) -> SinkStats {
        SinkStats::default()
    }
}

fn logger_with(probes: &[(&str, &Probe, SinkOptions)]) -> Logger {
    let mut builder = LoggerBuilder::new(quiet_config(LevelFilter::TRACE));
    for (name, probe, options) in probes {
        builder = builder.sink(*name, (*probe).clone(), options.clone());
    }
    builder.build().expect("logger")
}

fn log_at(logger: &Logger, level: log::Level, target: &str, args: fmt::Arguments<'_>) {
    logger.log(&log::Record::builder().level(level).target(target).args(args).build());
}

#[test]
fn records_reach_deferred_sinks_on_the_loggers_worker_in_order_with_every_part() {
    let (probe, other) = (Probe::default(), Probe::default());
    let logger = logger_with(&[
        ("probe", &probe, SinkOptions::default()),
        ("other", &other, SinkOptions::default()),
    ]);
    let caller = std::thread::Builder::new()
        .name("request-handler".into())
        .spawn({
            let logger = logger.clone();
            move || {
                let _scope = RequestScope::enter(RequestId::parse("req_0000beef").unwrap());
                for i in 0..500 {
                    let kv: [(&str, log::kv::Value<'_>); 1] = [("tokens", log::kv::Value::from(i))];
                    logger.log(
                        &log::Record::builder()
                            .level(log::Level::Info)
                            .target("app::engine")
                            .args(format_args!("step {i} 안녕 😀"))
                            .key_values(&kv)
                            .build(),
                    );
                }
            }
        })
        .unwrap();
    caller.join().unwrap();
    assert!(logger.flush_timeout(Duration::from_secs(10)));
    let taken = probe.taken.lock().clone();
    assert_eq!(taken.len(), 500);
    for (i, t) in taken.iter().enumerate() {
        assert_eq!(t.on_thread, "logcore-sinks", "taken on the logger's worker");
        assert_eq!(
            t.text,
            format!("Info app::engine [req_0000beef] (request-handler) step {i} 안녕 😀 tokens={i}")
        );
    }
    assert_eq!(other.texts(), probe.texts());
    let worker = logger.stats().worker.expect("the worker runs");
    assert_eq!((worker.written, worker.queued), (500, 0));
}

fn threads_taken_on(probe: &Probe) -> Vec<String> {
    probe.taken.lock().iter().map(|t| t.on_thread.clone()).collect()
}

#[test]
fn a_single_deferred_sink_is_served_on_the_callers_thread_and_order_holds_across_changes() {
    let here = std::thread::current().name().unwrap_or("").to_owned();
    let file = Probe::default();
    let logger = logger_with(&[("file", &file, SinkOptions::default())]);
    let mut next = 0;
    let mut log_some = |logger: &Logger, n: usize| {
        for _ in 0..n {
            log_at(logger, log::Level::Info, "t", format_args!("r{next}"));
            next += 1;
        }
    };
    log_some(&logger, 3);
    assert_eq!(
        threads_taken_on(&file),
        [here.as_str(); 3],
        "one deferred sink: the caller's thread"
    );
    let remote = Probe::default();
    logger
        .add_sink("remote", remote.clone(), SinkOptions::default())
        .unwrap();
    log_some(&logger, 3000);
    logger.remove_sink("remote").unwrap();
    // Alone again: what was queued is handed over first, and then the caller serves it.
    log_some(&logger, 3000);
    assert!(logger.flush_timeout(Duration::from_secs(10)));
    let taken = file.taken.lock().clone();
    assert_eq!(taken.len(), 6003);
    for (i, t) in taken.iter().enumerate() {
        assert!(
            t.text.contains(&format!(" r{i} ")),
            "record {i} out of order: {}",
            t.text
        );
    }
    assert!(taken[3..3003].iter().all(|t| t.on_thread == "logcore-sinks"));
    assert_eq!(taken.last().unwrap().on_thread, here);
    assert_eq!(remote.texts().len(), 3000);
}

#[test]
fn each_deferred_sink_takes_only_what_its_filter_accepts_from_one_capture() {
    let (all, warnings, engine) = (Probe::default(), Probe::default(), Probe::default());
    let logger = logger_with(&[
        ("all", &all, SinkOptions::default()),
        (
            "warnings",
            &warnings,
            SinkOptions::default().level(LevelFilter::WARNING),
        ),
        ("engine", &engine, SinkOptions::default().include("app::engine")),
    ]);
    log_at(&logger, log::Level::Info, "app::http", format_args!("one"));
    log_at(&logger, log::Level::Warn, "app::engine", format_args!("two"));
    log_at(
        &logger,
        log::Level::Debug,
        "app::engine::sampler",
        format_args!("three"),
    );
    log_at(&logger, log::Level::Error, "app::http", format_args!("four"));
    assert!(logger.flush_timeout(Duration::from_secs(10)));
    let messages = |p: &Probe| -> Vec<String> {
        p.texts()
            .iter()
            .map(|t| t.split(' ').nth(4).unwrap().to_owned())
            .collect()
    };
    assert_eq!(messages(&all), ["one", "two", "three", "four"]);
    assert_eq!(messages(&warnings), ["two", "four"]);
    assert_eq!(messages(&engine), ["two", "three"]);
    // The sinks that took a record read the same bytes: it was captured once.
    let at = |p: &Probe, n: usize| p.taken.lock()[n].bytes_at;
    assert_eq!(at(&all, 1), at(&warnings, 0));
    assert_eq!(at(&all, 1), at(&engine, 0));
}

#[test]
fn a_record_is_rendered_once_for_every_deferred_sink_and_a_caller_side_one() {
    let (first, second) = (Probe::default(), Probe::default());
    let logger = logger_with(&[
        ("first", &first, SinkOptions::default()),
        ("second", &second, SinkOptions::default()),
    ]);
    let memory = MemorySink::new();
    logger
        .add_sink("memory", memory.clone(), SinkOptions::default())
        .unwrap();
    let shows = AtomicUsize::new(0);
    log_at(&logger, log::Level::Info, "t", format_args!("{}", CountsShows(&shows)));
    assert!(logger.flush_timeout(Duration::from_secs(10)));
    assert_eq!(shows.load(Ordering::Relaxed), 1);
    assert_eq!(memory.records()[0].message, "shown (1)");
    for p in [&first, &second] {
        assert!(p.texts()[0].contains(" shown (1) "), "{:?}", p.texts());
    }
}

#[test]
fn a_removed_deferred_sink_first_gets_everything_logged_before_and_nothing_after() {
    let (kept, removed) = (Probe::default(), Probe::default());
    let logger = logger_with(&[
        ("kept", &kept, SinkOptions::default()),
        ("removed", &removed, SinkOptions::default()),
    ]);
    for i in 0..2000 {
        log_at(&logger, log::Level::Info, "t", format_args!("before {i}"));
    }
    logger.remove_sink("removed").unwrap();
    assert_eq!(removed.texts().len(), 2000, "handed over before it went");
    log_at(&logger, log::Level::Info, "t", format_args!("after"));
    // A sink added now gets a new bit: nothing queued for the removed one reaches it.
    let added = Probe::default();
    logger.add_sink("added", added.clone(), SinkOptions::default()).unwrap();
    log_at(&logger, log::Level::Info, "t", format_args!("last"));
    assert!(logger.flush_timeout(Duration::from_secs(10)));
    assert_eq!(removed.texts().len(), 2000);
    assert_eq!(kept.texts().len(), 2002);
    assert_eq!(added.texts().len(), 1);
    assert!(added.texts()[0].contains(" last "));
}

#[test]
fn after_shutdown_deferred_sinks_still_take_records_on_the_callers_thread() {
    let (probe, other) = (Probe::default(), Probe::default());
    let logger = logger_with(&[
        ("probe", &probe, SinkOptions::default()),
        ("other", &other, SinkOptions::default()),
    ]);
    log_at(&logger, log::Level::Info, "t", format_args!("before"));
    assert!(logger.shutdown());
    log_at(&logger, log::Level::Info, "t", format_args!("late"));
    let taken = probe.taken.lock().clone();
    assert_eq!(taken.len(), 2);
    assert_eq!(taken[0].on_thread, "logcore-sinks");
    let this_thread = std::thread::current().name().unwrap_or("").to_owned();
    assert_eq!(taken[1].on_thread, this_thread);
    assert!(taken[1].text.contains(" late "));
}

#[test]
fn a_deferred_sink_that_panics_costs_its_own_record_only() {
    let fragile = Probe {
        panic_on: Some("poison"),
        ..Probe::default()
    };
    let sound = Probe::default();
    let logger = logger_with(&[
        ("fragile", &fragile, SinkOptions::default()),
        ("sound", &sound, SinkOptions::default()),
    ]);
    for message in ["one", "poison", "three"] {
        log_at(&logger, log::Level::Info, "t", format_args!("{message}"));
    }
    assert!(logger.flush_timeout(Duration::from_secs(10)));
    assert_eq!(sound.texts().len(), 3);
    let fragile_texts = fragile.texts();
    assert_eq!(fragile_texts.len(), 2);
    assert!(fragile_texts[1].contains(" three "));
    assert!(fragile.batches.load(Ordering::Relaxed) >= 1);
}

#[test]
fn past_64_deferred_sinks_the_rest_are_served_on_the_callers_thread() {
    let probes: Vec<Probe> = (0..65).map(|_| Probe::default()).collect();
    let logger = logger_with(&[]);
    for (i, p) in probes.iter().enumerate() {
        logger
            .add_sink(&format!("p{i}"), p.clone(), SinkOptions::default())
            .unwrap();
    }
    log_at(&logger, log::Level::Info, "t", format_args!("to all"));
    assert!(logger.flush_timeout(Duration::from_secs(10)));
    for p in &probes[..64] {
        assert_eq!(p.taken.lock()[0].on_thread, "logcore-sinks");
    }
    let this_thread = std::thread::current().name().unwrap_or("").to_owned();
    assert_eq!(probes[64].taken.lock()[0].on_thread, this_thread);
}

/// A deferred sink whose worker side waits while the test holds `gate`.
struct Gated(Arc<Mutex<()>>, Probe);

struct GatedFeed(Arc<Mutex<()>>, ProbeFeed);

impl Deferred for GatedFeed {
    fn take(&mut self, record: Captured<'_>) {
        drop(self.0.lock());
        self.1.take(record);
    }
}

impl Sink for Gated {
    fn log(&self, event: &logcore::Event<'_>, line: &mut LineBuf) {
        self.1.log(event, line);
    }

    fn deferred(&self) -> Option<Box<dyn Deferred>> {
        Some(Box::new(GatedFeed(Arc::clone(&self.0), ProbeFeed(self.1.clone()))))
    }

    fn flush(&self, _timeout: Duration) -> bool {
        true
    }

    fn stats(&self) -> SinkStats {
        SinkStats::default()
    }
}

#[test]
fn under_the_drop_policy_what_the_loggers_queue_drops_is_counted_exactly() {
    let mut config = quiet_config(LevelFilter::TRACE);
    config.queue.overflow = logcore::Overflow::Drop;
    config.queue.capacity_bytes = 1;
    let gate = Arc::new(Mutex::new(()));
    let (gated, other) = (Probe::default(), Probe::default());
    let logger = LoggerBuilder::new(config)
        .sink("gated", Gated(Arc::clone(&gate), gated.clone()), SinkOptions::default())
        .sink("other", other.clone(), SinkOptions::default())
        .build()
        .unwrap();
    let held = gate.lock();
    for i in 0..100 {
        log_at(&logger, log::Level::Info, "t", format_args!("r{i}"));
    }
    drop(held);
    assert!(logger.flush_timeout(Duration::from_secs(10)));
    let worker = logger.stats().worker.unwrap();
    assert!(worker.dropped > 0, "a one-byte queue behind a held sink drops");
    assert_eq!(gated.texts().len() as u64 + worker.dropped, 100);
    assert_eq!(other.texts(), gated.texts());
}
