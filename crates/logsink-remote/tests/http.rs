//! HTTP batches against a scripted HTTP server: retries on 500, none on 400, gzip, auth and
//! headers; and the OTLP body read by the official protobuf JSON mapping.

mod support;

use std::time::Duration;

use logcore::Sink;
use logfmt::{Event, Level, Timestamp, Value};
use logsink_remote::{Auth, Buffering, HttpFormat, HttpSink, RemoteSink, Secret, Source};
use support::{ScriptedServer, gunzip, python_with};

fn quick() -> Buffering {
    Buffering {
        batch_age: Duration::from_millis(20),
        retry_initial: Duration::from_millis(20),
        retry_max: Duration::from_millis(100),
        ..Buffering::http()
    }
}

fn send(sink: &RemoteSink, n: usize) {
    for i in 0..n {
        let fields = [
            ("seq", Value::U64(i as u64)),
            ("prompt_tokens", Value::U64(17)),
            ("temperature", Value::F64(0.7)),
        ];
        let id = format!("req_{i:08x}");
        let event = Event {
            request_id: Some(&id),
            function: Some("generate"),
            fields: &fields,
            ..Event::new(Timestamp::now(), Level::Info, "inference.http", &"generated 42 tokens")
        };
        sink.send(&event);
    }
}

#[test]
fn a_batch_answered_500_twice_then_200_is_delivered_with_the_retries_counted() {
    let server = ScriptedServer::start(vec![(500, "busy"), (500, "busy"), (200, "ok")]);
    let sink = HttpSink::builder(&server.url, HttpFormat::JsonLines)
        .buffering(quick())
        .build()
        .unwrap();
    send(&sink, 10);
    assert!(sink.flush(Duration::from_secs(10)));
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(
        requests.iter().all(|r| r.body == requests[0].body),
        "the same batch each time"
    );
    assert_eq!(std::str::from_utf8(&requests[2].body).unwrap().lines().count(), 10);
    let stats = sink.stats();
    assert_eq!(
        (stats.extra["delivered"], stats.extra["retried"], stats.dropped),
        (10, 2, 0)
    );
}

#[test]
fn a_batch_answered_400_is_rejected_once_and_the_reason_kept() {
    let server = ScriptedServer::start(vec![(400, "unknown field \"levle\"")]);
    let sink = HttpSink::builder(&server.url, HttpFormat::JsonLines)
        .buffering(quick())
        .build()
        .unwrap();
    send(&sink, 5);
    assert!(sink.flush(Duration::from_secs(10)));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(server.requests().len(), 1, "a 400 is not retried");
    let stats = sink.stats();
    assert_eq!(
        (stats.extra["rejected"], stats.extra["retried"], stats.failed),
        (5, 0, 5)
    );
    assert!(stats.last_error.unwrap().contains("HTTP 400: unknown field"));
}

#[test]
fn retry_after_is_honoured() {
    // The scripted 429 says `Retry-After: 1`; the sink's own backoff would retry after 20 ms.
    let server = ScriptedServer::start(vec![(429, "slow down"), (200, "")]);
    let sink = HttpSink::builder(&server.url, HttpFormat::JsonLines)
        .buffering(quick())
        .build()
        .unwrap();
    send(&sink, 1);
    assert!(sink.flush(Duration::from_secs(10)));
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let waited = requests[1].at - requests[0].at;
    assert!(waited >= Duration::from_millis(950), "retried after {waited:?}");
    assert_eq!(sink.stats().extra["retried"], 1);
}

#[test]
fn gzip_auth_and_headers_reach_the_collector_and_never_the_stats() {
    let server = ScriptedServer::start(vec![(200, "")]);
    let url = server.url.replace("http://", "http://ingest:pa55word@");
    let sink = HttpSink::builder(&url, HttpFormat::Loki { labels: vec![] })
        .header("X-Scope-OrgID", "tenant-7")
        .gzip(true)
        .buffering(quick())
        .build()
        .unwrap();
    send(&sink, 3);
    assert!(sink.flush(Duration::from_secs(10)));
    let r = &server.requests()[0];
    assert_eq!(r.path, "/loki/api/v1/push");
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert_eq!(r.header("x-scope-orgid"), Some("tenant-7"));
    // "ingest:pa55word" in base64.
    assert_eq!(r.header("authorization"), Some("Basic aW5nZXN0OnBhNTV3b3Jk"));
    let body: serde_json::Value = serde_json::from_slice(&gunzip(&r.body)).unwrap();
    assert_eq!(body["streams"][0]["values"].as_array().unwrap().len(), 3);
    let shown = format!("{:?} {:?}", sink, sink.stats());
    assert!(!shown.contains("pa55word") && !shown.contains("tenant-7"), "{shown}");
    assert!(sink.destination().ends_with(server.url.trim_start_matches("http://")));

    let bearer = HttpSink::builder(&server.url, HttpFormat::Otlp)
        .auth(Auth::Bearer(Secret::new("tok_abc")))
        .buffering(quick())
        .build()
        .unwrap();
    send(&bearer, 1);
    assert!(bearer.flush(Duration::from_secs(10)));
    let r = server.requests().pop().unwrap();
    assert_eq!(r.path, "/v1/logs");
    assert_eq!(r.header("authorization"), Some("Bearer tok_abc"));
}

#[test]
fn the_otlp_body_parses_with_the_official_protobuf_json_mapping() {
    let Some(python) = python_with("opentelemetry.proto.collector.logs.v1.logs_service_pb2") else {
        return;
    };
    let server = ScriptedServer::start(vec![(200, "{}")]);
    let sink = HttpSink::builder(&server.url, HttpFormat::Otlp)
        .source(Source {
            service: "vllm".into(),
            host: "gpu-9".into(),
        })
        .buffering(quick())
        .build()
        .unwrap();
    send(&sink, 4);
    assert!(sink.flush(Duration::from_secs(10)));
    let body = server.requests()[0].body.clone();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("body.json");
    std::fs::write(&path, &body).unwrap();
    let script = r#"
import sys, json
from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
request = json_format.Parse(open(sys.argv[1], encoding="utf-8").read(), ExportLogsServiceRequest())
resource = request.resource_logs[0]
attrs = {a.key: a.value.string_value for a in resource.resource.attributes}
records = resource.scope_logs[0].log_records
print(json.dumps({
    "service": attrs["service.name"], "host": attrs["host.name"], "count": len(records),
    "severity": [r.severity_number for r in records],
    "time_ok": all(r.time_unix_nano > 1_700_000_000 * 10**9 for r in records),
    "body": records[0].body.string_value,
    "seq": [next(a.value.int_value for a in r.attributes if a.key == "seq") for r in records],
    "temperature": next(a.value.double_value for a in records[0].attributes if a.key == "temperature"),
    "request_id": next(a.value.string_value for a in records[1].attributes if a.key == "request.id"),
}))
"#;
    let out = std::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let parsed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        parsed,
        serde_json::json!({
            "service": "vllm", "host": "gpu-9", "count": 4, "severity": [9, 9, 9, 9], "time_ok": true,
            "body": "generated 42 tokens", "seq": [0, 1, 2, 3], "temperature": 0.7, "request_id": "req_00000001"
        })
    );
}
