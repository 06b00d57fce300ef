//! Syslog against a real rsyslog started by the test: every record arrives once, with its
//! message, request id and key-values as rsyslog itself parsed them.

mod support;

use std::time::{Duration, Instant};

use logcore::Sink;
use logfmt::{Event, Level, Timestamp, Value};
use logsink_remote::{DEFAULT_SD_ID, Facility, RemoteSink, SyslogFormat, SyslogSink, SyslogTransport};
use support::{Rsyslog, sd_params};

const MESSAGE: &str = "생성 완료 🚀 \"quoted\" back\\slash [bracket]";

fn marker(tag: &str) -> String {
    format!("{tag}-{}-{}", std::process::id(), Timestamp::now().subsec_nanos())
}

fn send(sink: &RemoteSink, marker: &str, i: usize) {
    let message = format!("{marker} #{i} {MESSAGE}");
    let request_id = format!("req_{i:08x}");
    let fields = [
        ("index", Value::U64(i as u64)),
        ("prompt", Value::Str("안녕 \"x\" ] \\ 😀")),
        ("ratio", Value::F64(0.25)),
    ];
    let event = Event {
        request_id: Some(&request_id),
        function: Some("generate"),
        fields: &fields,
        ..Event::new(Timestamp::now(), Level::Warning, "inference.engine", &message)
    };
    sink.send(&event);
}

fn index_of(message: &serde_json::Value) -> usize {
    let text = message["msg"].as_str().unwrap();
    let after = &text[text.find(" #").unwrap() + 2..];
    after[..after.find(' ').unwrap()].parse().unwrap()
}

fn check_exactly_once(rsyslog: &Rsyslog, marker: &str, count: usize) -> Vec<serde_json::Value> {
    let messages = rsyslog.wait_messages(marker, count);
    let mut seen = vec![0; count];
    for m in &messages {
        seen[index_of(m)] += 1;
    }
    let wrong: Vec<(usize, i32)> = seen.iter().copied().enumerate().filter(|(_, n)| *n != 1).collect();
    assert!(wrong.is_empty(), "(index, times arrived) not exactly once: {wrong:?}");
    messages
}

fn run(transport: SyslogTransport, format: SyslogFormat, rsyslog: &Rsyslog, tag: &str) {
    let sink = SyslogSink::builder(transport)
        .format(format)
        .facility(Facility::LOCAL0)
        .hostname("gpu-node-7")
        .app_name("vllm-server")
        .procid("4242")
        .build()
        .unwrap();
    let marker = marker(tag);
    let count = 300;
    for i in 0..count {
        send(&sink, &marker, i);
        if i % 50 == 49 {
            // UDP has no flow control: a receiver starved of CPU (tests run in parallel on two
            // cores) lets its socket buffer fill, and the kernel drops the rest. Send the next
            // 50 only once rsyslog has written these, so a loss here is ours, not the kernel's.
            assert!(sink.flush(Duration::from_secs(5)));
            assert!(
                rsyslog.wait_arrived(&marker, i + 1),
                "rsyslog wrote {} of {}",
                rsyslog.marked(&marker).len(),
                i + 1
            );
        }
    }
    assert!(sink.flush(Duration::from_secs(5)));
    let messages = check_exactly_once(rsyslog, &marker, count);
    for m in &messages {
        let i = index_of(m);
        assert_eq!(m["hostname"], "gpu-node-7", "{m}");
        assert_eq!(m["app"], "vllm-server");
        assert_eq!(m["procid"], "4242");
        assert_eq!(m["severity"], "4", "WARNING is syslog warning (4)");
        assert_eq!(m["facility"], "16");
        let msg = m["msg"].as_str().unwrap();
        match format {
            SyslogFormat::Rfc5424 => {
                assert_eq!(m["protocol"], "1");
                assert_eq!(msg, format!("{marker} #{i} {MESSAGE}"));
                let sd = sd_params(m, DEFAULT_SD_ID);
                assert_eq!(sd["request_id"], format!("req_{i:08x}"));
                assert_eq!(sd["target"], "inference.engine");
                assert_eq!(sd["function"], "generate");
                assert_eq!(sd["index"], i.to_string());
                assert_eq!(sd["prompt"], "안녕 \"x\" ] \\ 😀");
                assert_eq!(sd["ratio"], "0.25");
            }
            SyslogFormat::Rfc3164 => {
                assert_eq!(m["protocol"], "0");
                let expected =
                    format!("[req_{i:08x}] {marker} #{i} {MESSAGE} index={i} prompt=안녕 \"x\" ] \\ 😀 ratio=0.25");
                assert_eq!(msg.trim_start(), expected);
            }
        }
    }
    let stats = sink.stats();
    assert_eq!(stats.extra["sent"], count as u64);
    assert_eq!(stats.extra["delivered"], count as u64);
    assert_eq!(stats.dropped, 0);
}

#[test]
fn every_record_arrives_once_over_udp_and_tcp_in_both_formats() {
    let Some(rsyslog) = Rsyslog::start() else { return };
    let udp = SyslogTransport::Udp(format!("127.0.0.1:{}", rsyslog.udp_port));
    let tcp = SyslogTransport::Tcp(format!("127.0.0.1:{}", rsyslog.tcp_port));
    run(udp.clone(), SyslogFormat::Rfc5424, &rsyslog, "udp5424");
    run(udp, SyslogFormat::Rfc3164, &rsyslog, "udp3164");
    run(tcp.clone(), SyslogFormat::Rfc5424, &rsyslog, "tcp5424");
    run(tcp, SyslogFormat::Rfc3164, &rsyslog, "tcp3164");
}

#[test]
fn the_unix_socket_gets_what_syslog_3_would_write() {
    let Some(rsyslog) = Rsyslog::start() else { return };
    let sink = SyslogSink::builder(SyslogTransport::Unix(rsyslog.socket.clone()))
        .app_name("vllm")
        .build()
        .unwrap();
    let marker = marker("unix");
    for i in 0..50 {
        send(&sink, &marker, i);
    }
    assert!(sink.flush(Duration::from_secs(5)));
    let messages = check_exactly_once(&rsyslog, &marker, 50);
    assert!(messages.iter().all(|m| m["app"] == "vllm" && m["input"] == "imuxsock"));
}

#[test]
fn an_oversized_message_is_cut_on_a_character_boundary() {
    let Some(rsyslog) = Rsyslog::start() else { return };
    let sink = SyslogSink::builder(SyslogTransport::Udp(format!("127.0.0.1:{}", rsyslog.udp_port)))
        .build()
        .unwrap();
    let marker = marker("long");
    let message = format!("{marker} #0 {}", "한".repeat(2000));
    sink.send(&Event::new(Timestamp::now(), Level::Info, "t", &message));
    assert!(sink.flush(Duration::from_secs(5)));
    let got = rsyslog.wait_messages(&marker, 1);
    assert_eq!(got.len(), 1);
    let msg = got[0]["msg"].as_str().unwrap();
    assert!(
        msg.ends_with('한') && msg.len() < 2048 && msg.len() > 1900,
        "{}",
        msg.len()
    );
    assert_eq!(sink.stats().extra["truncated"], 1);
}

#[test]
fn tcp_reconnects_after_rsyslog_restarts_and_callers_never_wait() {
    let Some(mut rsyslog) = Rsyslog::start() else { return };
    let sink = SyslogSink::builder(SyslogTransport::Tcp(format!("127.0.0.1:{}", rsyslog.tcp_port)))
        .build()
        .unwrap();
    let before = marker("before");
    for i in 0..100 {
        send(&sink, &before, i);
    }
    assert!(sink.flush(Duration::from_secs(5)));
    check_exactly_once(&rsyslog, &before, 100);

    rsyslog.kill();
    let during = marker("during");
    let mut slowest = Duration::ZERO;
    for i in 0..2000 {
        let start = Instant::now();
        send(&sink, &during, i);
        slowest = slowest.max(start.elapsed());
    }
    // The worker is failing to connect meanwhile; a log call never waits for it.
    assert!(slowest < Duration::from_millis(50), "a log call took {slowest:?}");
    assert!(!sink.flush(Duration::from_millis(300)));
    assert!(sink.stats().extra["retried"] > 0);

    rsyslog.restart();
    let after = marker("after");
    for i in 0..100 {
        send(&sink, &after, i);
    }
    assert!(sink.flush(Duration::from_secs(30)), "{:?}", sink.stats());
    check_exactly_once(&rsyslog, &after, 100);
    // Nothing was dropped (the buffer held the outage), so everything logged meanwhile came too.
    let stats = sink.stats();
    assert_eq!(stats.extra["sent"], stats.extra["delivered"] + stats.dropped);
    assert_eq!(stats.dropped, 0);
    check_exactly_once(&rsyslog, &during, 2000);
}
