//! HTTP batches into a real ClickHouse started by the test: rows land with the right columns
//! and count, and a ClickHouse killed mid-run loses nothing that is not counted as dropped.

mod support;

use std::time::{Duration, Instant};

use logcore::Sink;
use logfmt::{Event, Level, Timestamp, Value};
use logsink_remote::{Buffering, HttpFormat, HttpSink, RemoteSink, Source, clickhouse_table_ddl};
use support::ClickHouse;

/// One ClickHouse at a time: three servers starting at once on two cores would make the
/// timing of the outage test say more about the scheduler than about the sink.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn sink(server: &ClickHouse, table: &str, buffering: Buffering, gzip: bool) -> RemoteSink {
    HttpSink::builder(&server.url(), HttpFormat::ClickHouse { table: table.into() })
        .source(Source {
            service: "vllm".into(),
            host: "gpu-node-3".into(),
        })
        .buffering(buffering)
        .gzip(gzip)
        .build()
        .unwrap()
}

fn send(sink: &RemoteSink, i: u64) {
    let request_id = format!("req_{i:08x}");
    let fields = [("seq", Value::U64(i)), ("prompt", Value::Str("안녕하세요 😀 \"q\""))];
    let event = Event {
        request_id: Some(&request_id),
        fields: &fields,
        ..Event::new(Timestamp::now(), Level::Info, "inference.http", &"request done 🚀")
    };
    sink.send(&event);
}

/// The `seq` of every row from our target, in order.
fn seqs(server: &ClickHouse, table: &str) -> Vec<u64> {
    server
        .query(&format!(
            "SELECT visitParamExtractUInt(fields, 'seq') AS s FROM {table} WHERE target = 'inference.http' ORDER BY s"
        ))
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect()
}

/// The `q` quantile and the maximum of `times`.
fn quantile(times: &mut [Duration], q: f64) -> (Duration, Duration) {
    times.sort_unstable();
    let at = ((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1;
    (times[at], times[times.len() - 1])
}

#[test]
fn rows_land_in_a_merge_tree_with_the_right_columns_and_count() {
    let _serial = serial();
    let Some(server) = ClickHouse::start() else { return };
    server.query(&clickhouse_table_ddl("logs"));
    for gzip in [false, true] {
        server.query("TRUNCATE TABLE logs");
        let sink = sink(&server, "logs", Buffering::http(), gzip);
        let count = 5000;
        for i in 0..count {
            send(&sink, i);
        }
        assert!(sink.flush(Duration::from_secs(30)), "{:?}", sink.stats());
        assert_eq!(seqs(&server, "logs"), (0..count).collect::<Vec<_>>(), "gzip={gzip}");
        let row = server.query(
            "SELECT level, target, request_id, message, visitParamExtractString(fields, 'prompt'), service, host, \
             timestamp_ns < 1000000000, abs(toInt64(timestamp) - toInt64(now())) < 600 \
             FROM logs WHERE request_id = 'req_0000002a' FORMAT TSV",
        );
        assert_eq!(
            row.trim_end(),
            "INFO\tinference.http\treq_0000002a\trequest done 🚀\t안녕하세요 😀 \"q\"\tvllm\tgpu-node-3\t1\t1"
        );
        let stats = sink.stats();
        assert_eq!(
            (stats.extra["sent"], stats.extra["delivered"], stats.dropped),
            (count, count, 0)
        );
        // 5,000 records, 1,000 to a batch.
        assert!(stats.extra["retried"] == 0);
    }
}

#[test]
fn a_missing_table_is_rejected_not_retried_and_the_reason_is_kept() {
    let _serial = serial();
    let Some(server) = ClickHouse::start() else { return };
    let sink = sink(&server, "no_such_table", Buffering::http(), false);
    for i in 0..10 {
        send(&sink, i);
    }
    assert!(sink.flush(Duration::from_secs(10)));
    let stats = sink.stats();
    assert_eq!((stats.extra["rejected"], stats.extra["retried"]), (10, 0));
    let error = stats.last_error.unwrap();
    assert!(error.contains("no_such_table") && error.contains("HTTP 404"), "{error}");
}

#[test]
fn killed_and_restarted_clickhouse_loses_only_what_is_counted_and_callers_never_wait() {
    let _serial = serial();
    let Some(mut server) = ClickHouse::start() else { return };
    server.query(&clickhouse_table_ddl("outage"));
    let buffering = Buffering {
        capacity_bytes: 256 << 10,
        batch_age: Duration::from_millis(100),
        // Retries no sooner than 200 ms apart: a caller that waited for the worker would show
        // it plainly.
        retry_initial: Duration::from_millis(200),
        retry_max: Duration::from_millis(500),
        ..Buffering::http()
    };
    let sink = sink(&server, "outage", buffering, false);

    // A: delivered before the kill.
    let mut normal = Vec::new();
    for i in 0..2000 {
        let start = Instant::now();
        send(&sink, i);
        normal.push(start.elapsed());
        if i % 250 == 249 {
            // Paced, so that the 256 KiB buffer never fills while ClickHouse is up.
            assert!(sink.flush(Duration::from_secs(30)));
        }
    }
    assert_eq!(sink.stats().dropped, 0);
    assert!(sink.flush(Duration::from_secs(30)));

    // B: logged while ClickHouse is dead, far more than the 256 KiB buffer holds.
    server.kill();
    let mut outage = Vec::new();
    for i in 2000..12_000 {
        let start = Instant::now();
        send(&sink, i);
        outage.push(start.elapsed());
        if i % 1000 == 0 {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    // No log call waits for the network: the slowest 0.1% of calls during the outage are
    // within 1 ms of the slowest 0.1% before it, and none comes near a retry interval (a
    // thread of a two-core machine can still be preempted for a moment, so the single slowest
    // call says more about the scheduler than about the sink).
    let (normal, outage) = (quantile(&mut normal, 0.999), quantile(&mut outage, 0.999));
    assert!(
        outage.0 <= normal.0 + Duration::from_millis(1) && outage.1 < Duration::from_millis(100),
        "p99.9/max of a log call: {outage:?} during the outage, {normal:?} before it"
    );
    let down = sink.stats();
    assert!(down.extra["retried"] > 0 && down.dropped > 0, "{down:?}");
    assert!(down.extra["buffered_bytes"] <= 256 << 10);

    // C: logged after the restart.
    server.restart();
    // The backlog goes out first; then C, paced like A so that it fits the buffer.
    assert!(sink.flush(Duration::from_secs(60)), "{:?}", sink.stats());
    for i in 12_000..13_000 {
        send(&sink, i);
        if i % 250 == 249 {
            assert!(sink.flush(Duration::from_secs(30)));
        }
    }
    assert!(sink.flush(Duration::from_secs(60)), "{:?}", sink.stats());

    let stats = sink.stats();
    let (sent, delivered, dropped) = (stats.extra["sent"], stats.extra["delivered"], stats.dropped);
    assert_eq!(sent, 13_000);
    assert_eq!(sent, delivered + dropped, "sent = delivered + dropped: {stats:?}");
    let rows = seqs(&server, "outage");
    assert_eq!(rows.len() as u64, delivered, "every delivered record is one row");
    let a: Vec<u64> = rows.iter().copied().filter(|s| *s < 2000).collect();
    let b: Vec<u64> = rows.iter().copied().filter(|s| (2000..12_000).contains(s)).collect();
    let c: Vec<u64> = rows.iter().copied().filter(|s| *s >= 12_000).collect();
    assert!(
        a == (0..2000).collect::<Vec<_>>(),
        "before the kill: {} of 2000 arrived",
        a.len()
    );
    assert!(
        c == (12_000..13_000).collect::<Vec<_>>(),
        "after the restart: {} of 1000 arrived",
        c.len()
    );
    // Of the outage, the oldest were dropped: what arrived is its newest records, no gaps.
    let first = 12_000 - b.len() as u64;
    assert!(
        b == (first..12_000).collect::<Vec<_>>(),
        "the outage's rows are not its newest {}",
        b.len()
    );
    assert_eq!(b.len() as u64 + dropped, 10_000);
    // One notice row says how many were dropped.
    let notice = server.query("SELECT message FROM outage WHERE target = 'logsink_remote' FORMAT TSV");
    assert!(notice.contains(&format!("{dropped} records were dropped")), "{notice}");
}
