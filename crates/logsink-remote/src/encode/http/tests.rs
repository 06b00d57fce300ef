//! The HTTP encoders and answer reading, checked without a network.

use logfmt::{Event, Level, Timestamp, Value};
use serde_json::{Value as Json, json};

use super::*;

fn source() -> Source {
    Source {
        service: "vllm".into(),
        host: "gpu-1".into(),
    }
}

const FIELDS: [(&str, Value<'static>); 4] = [
    ("prompt_tokens", Value::U64(12)),
    ("ratio", Value::F64(0.5)),
    ("api_key", Value::Str("sk-live-1234567890abcdef")),
    ("prompt", Value::Str("안녕하세요 👋\n\u{1b}[31m")),
];

fn event<'a>(level: Level, request_id: Option<&'a str>) -> Event<'a> {
    Event {
        request_id,
        function: Some("generate"),
        thread: Some("worker-1"),
        fields: &FIELDS,
        ..Event::new(
            Timestamp::new(1_737_297_020, 123_456_789),
            level,
            "app.generate",
            &"Generated \"ok\"",
        )
    }
}

fn batch(encoder: &HttpEncoder, events: &[Event<'_>]) -> Vec<u8> {
    let mut entries = Entries::default();
    for e in events {
        let mut entry = Vec::new();
        let key = encoder.encode(e, &mut entry, &mut Scratch::new());
        entries.push(key, &entry);
    }
    let mut body = Vec::new();
    encoder.body(&entries, &mut body);
    body
}

fn lines(body: &[u8]) -> Vec<Json> {
    std::str::from_utf8(body)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn json_lines_are_logfmt_json_with_service_and_host() {
    let encoder = HttpEncoder::new(HttpFormat::JsonLines, source());
    let body = batch(
        &encoder,
        &[event(Level::Info, Some("req_1")), event(Level::Error, None)],
    );
    let rows = lines(&body);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["service"], "vllm");
    assert_eq!(rows[0]["host"], "gpu-1");
    assert_eq!(rows[0]["request_id"], "req_1");
    assert_eq!(rows[0]["timestamp"], "2025-01-19T14:30:20.123456Z");
    assert_eq!(rows[0]["fields"]["prompt"], "안녕하세요 👋\n\u{1b}[31m");
    assert_eq!(rows[0]["fields"]["api_key"], "[REDACTED]");
    assert_eq!(rows[1]["request_id"], Json::Null);
    assert_eq!(encoder.content_type(), "application/x-ndjson");
}

#[test]
fn clickhouse_rows_match_the_documented_table() {
    let encoder = HttpEncoder::new(
        HttpFormat::ClickHouse {
            table: "db.logs".into(),
        },
        source(),
    );
    let rows = lines(&batch(&encoder, &[event(Level::Warning, Some("req_2"))]));
    let row = &rows[0];
    let ddl = clickhouse_table_ddl("t");
    let mut columns: Vec<&str> = row.as_object().unwrap().keys().map(String::as_str).collect();
    columns.sort_unstable();
    for column in &columns {
        assert!(ddl.contains(&format!("    {column} ")), "{column} is not in the DDL");
    }
    assert_eq!(columns.len(), ddl.matches("\n    ").count());
    assert_eq!(row["timestamp"], 1_737_297_020);
    assert_eq!(row["timestamp_ns"], 123_456_789);
    assert_eq!(row["level"], "WARNING");
    assert_eq!(row["request_id"], "req_2");
    let fields: Json = serde_json::from_str(row["fields"].as_str().unwrap()).unwrap();
    assert_eq!(fields["prompt_tokens"], 12);
    assert_eq!(fields["api_key"], "[REDACTED]");
    assert_eq!(
        encoder.path(),
        "/?input_format_skip_unknown_fields=1&query=INSERT%20INTO%20db.logs%20FORMAT%20JSONEachRow"
    );
}

#[test]
fn loki_streams_are_per_level_and_the_request_id_is_metadata_not_a_label() {
    let encoder = HttpEncoder::new(
        HttpFormat::Loki {
            labels: vec![("env".into(), "prod".into())],
        },
        source(),
    );
    let body = batch(
        &encoder,
        &[
            event(Level::Info, Some("req_a")),
            event(Level::Error, None),
            event(Level::Info, Some("req_b")),
        ],
    );
    let push: Json = serde_json::from_slice(&body).unwrap();
    let streams = push["streams"].as_array().unwrap();
    assert_eq!(streams.len(), 2);
    let info = streams.iter().find(|s| s["stream"]["level"] == "info").unwrap();
    assert_eq!(
        info["stream"],
        json!({"service": "vllm", "host": "gpu-1", "level": "info", "env": "prod"})
    );
    let values = info["values"].as_array().unwrap();
    assert_eq!(values.len(), 2);
    // [timestamp in nanoseconds as a string, line, structured metadata]
    assert_eq!(values[0][0], "1737297020123456789");
    assert_eq!(values[0][2], json!({"request_id": "req_a"}));
    let line: Json = serde_json::from_str(values[1][1].as_str().unwrap()).unwrap();
    assert_eq!(line["message"], "Generated \"ok\"");
    assert_eq!(line["request_id"], "req_b");
    let error = streams.iter().find(|s| s["stream"]["level"] == "error").unwrap();
    assert_eq!(
        error["values"][0].as_array().unwrap().len(),
        2,
        "no metadata without a request id"
    );
    assert_eq!(encoder.path(), "/loki/api/v1/push");
}

#[test]
fn elasticsearch_bulk_has_a_create_action_before_each_document() {
    let encoder = HttpEncoder::new(
        HttpFormat::Elasticsearch {
            index: "logs-vllm".into(),
        },
        source(),
    );
    let rows = lines(&batch(
        &encoder,
        &[event(Level::Info, Some("req_1")), event(Level::Critical, None)],
    ));
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0], json!({"create": {}}));
    assert_eq!(rows[2], json!({"create": {}}));
    let doc = &rows[1];
    assert_eq!(doc["@timestamp"], "2025-01-19T14:30:20.123456Z");
    assert_eq!(doc["log.level"], "INFO");
    assert_eq!(doc["http.request.id"], "req_1");
    assert_eq!(doc["service.name"], "vllm");
    assert_eq!(doc["fields"]["api_key"], "[REDACTED]");
    assert!(rows[3].get("http.request.id").is_none());
    assert_eq!(encoder.path(), "/logs-vllm/_bulk");
}

#[test]
fn a_bulk_answer_with_item_errors_retries_only_the_busy_items() {
    let format = HttpFormat::Elasticsearch { index: "i".into() };
    let answer = json!({
        "took": 3, "errors": true,
        "items": [
            {"create": {"status": 201}},
            {"create": {"status": 400, "error": {"type": "mapper_parsing_exception", "reason": "failed to parse"}}},
            {"create": {"status": 429, "error": {"type": "es_rejected_execution_exception"}}},
            {"create": {"status": 201}}
        ]
    });
    let read = read_answer(&format, 200, answer.to_string().as_bytes(), None, 4);
    match read {
        Answer::Partial {
            retry,
            rejected,
            reason,
        } => {
            assert_eq!(retry, vec![2]);
            assert_eq!(rejected, 1);
            assert!(reason.contains("mapper_parsing_exception"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let fine = json!({"errors": false, "items": [{"create": {"status": 201}}]});
    assert_eq!(
        read_answer(&format, 200, fine.to_string().as_bytes(), None, 1),
        Answer::Delivered
    );
}

#[test]
fn statuses_decide_between_retry_and_reject() {
    let f = HttpFormat::JsonLines;
    let after = Some(Duration::from_secs(3));
    assert_eq!(
        read_answer(&f, 429, b"slow down", after, 1),
        Answer::Retry {
            reason: "HTTP 429: slow down".into(),
            after
        }
    );
    assert_eq!(
        read_answer(&f, 503, b" \n", None, 1),
        Answer::Retry {
            reason: "HTTP 503 (no reason given)".into(),
            after: None
        }
    );
    for status in [408, 500, 502, 503, 504] {
        assert!(
            matches!(read_answer(&f, status, b"", None, 1), Answer::Retry { .. }),
            "{status}"
        );
    }
    for status in [400, 401, 403, 404, 413, 422] {
        assert!(
            matches!(read_answer(&f, status, b"", None, 1), Answer::Rejected { .. }),
            "{status}"
        );
    }
}

#[test]
fn clickhouse_errors_in_the_table_or_rows_are_not_retried() {
    let f = HttpFormat::ClickHouse { table: "t".into() };
    let unknown_table =
        b"Code: 60, e.displayText() = DB::Exception: Table default.t doesn't exist., e.what() = DB::Exception";
    assert!(matches!(
        read_answer(&f, 500, unknown_table, None, 1),
        Answer::Rejected { .. }
    ));
    let busy = b"Code: 241, e.displayText() = DB::Exception: Memory limit exceeded";
    assert!(matches!(read_answer(&f, 500, busy, None, 1), Answer::Retry { .. }));
    assert!(matches!(read_answer(&f, 503, b"", None, 1), Answer::Retry { .. }));
}

#[test]
fn otlp_records_carry_the_severity_and_typed_attributes() {
    let encoder = HttpEncoder::new(HttpFormat::Otlp, source());
    let body: Json = serde_json::from_slice(&batch(&encoder, &[event(Level::Error, Some("req_9"))])).unwrap();
    let resource = &body["resourceLogs"][0]["resource"]["attributes"];
    assert_eq!(
        resource[0],
        json!({"key": "service.name", "value": {"stringValue": "vllm"}})
    );
    assert_eq!(
        resource[1],
        json!({"key": "host.name", "value": {"stringValue": "gpu-1"}})
    );
    let record = &body["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0];
    assert_eq!(record["timeUnixNano"], "1737297020123456789");
    assert_eq!(record["severityNumber"], 17);
    assert_eq!(record["severityText"], "ERROR");
    assert_eq!(record["body"]["stringValue"], "Generated \"ok\"");
    let attribute = |key: &str| {
        record["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["key"] == key)
            .map(|a| a["value"].clone())
    };
    assert_eq!(attribute("request.id"), Some(json!({"stringValue": "req_9"})));
    assert_eq!(attribute("prompt_tokens"), Some(json!({"intValue": "12"})));
    assert_eq!(attribute("ratio"), Some(json!({"doubleValue": 0.5})));
    assert_eq!(attribute("api_key"), Some(json!({"stringValue": "[REDACTED]"})));
    assert_eq!(attribute("code.function"), Some(json!({"stringValue": "generate"})));
    assert_eq!(encoder.path(), "/v1/logs");
    let levels: Vec<u8> = Level::ALL.iter().map(|l| otlp_severity(*l)).collect();
    assert_eq!(levels, vec![1, 5, 9, 13, 17, 21]);
}

#[test]
fn secrets_in_messages_never_reach_any_body() {
    let message = "login with password=hunter2secret and Authorization: Bearer abcdefghijklmnopqrstuvwxyz";
    let e = Event::new(Timestamp::new(0, 0), Level::Info, "t", &message);
    for format in [
        HttpFormat::JsonLines,
        HttpFormat::ClickHouse { table: "t".into() },
        HttpFormat::Loki { labels: vec![] },
        HttpFormat::Elasticsearch { index: "i".into() },
        HttpFormat::Otlp,
    ] {
        let body = String::from_utf8(batch(&HttpEncoder::new(format.clone(), source()), &[e])).unwrap();
        assert!(!body.contains("hunter2secret"), "{format:?}: {body}");
        assert!(!body.contains("abcdefghijklmnopqrstuvwxyz"), "{format:?}: {body}");
    }
}
