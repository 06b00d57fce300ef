//! Golden tests: the formats reproduce the seeds' example lines byte for byte.

use std::fmt;

use logfmt::{Event, Format, Formatter, Level, Precision, Scratch, Timestamp, Value, Zone};

/// 2025-01-19 14:30:15 UTC, the first seed's example second.
const JAN_19: i64 = 1_737_297_015;
/// 2025-01-09 14:30:25 UTC, the second seed's example second.
const JAN_09: i64 = 1_736_433_025;

fn render(formatter: &Formatter, event: &Event<'_>) -> String {
    let mut out = Vec::new();
    formatter.format(event, &mut out, &mut Scratch::new());
    String::from_utf8(out).expect("formatter writes UTF-8")
}

fn utc(format: Format) -> Formatter {
    Formatter::new(format).with_zone(Zone::utc())
}

#[test]
fn pipe_matches_the_first_seed() {
    let cases = [
        (
            0,
            Level::Info,
            "app.main",
            "create_app",
            None,
            "VLLM Server starting up",
            "2025-01-19 14:30:15 | INFO     | app.main              | create_app           | no-req       | VLLM Server starting up",
        ),
        (
            1,
            Level::Info,
            "app.factory.model",
            "create_model",
            None,
            "Model loading completed",
            "2025-01-19 14:30:16 | INFO     | app.factory.model     | create_model         | no-req       | Model loading completed",
        ),
        (
            5,
            Level::Info,
            "app.routers.generate",
            "generate_text",
            Some("req_a1b2c3"),
            "Processing generation request",
            "2025-01-19 14:30:20 | INFO     | app.routers.generate  | generate_text        | req_a1b2c3   | Processing generation request",
        ),
        (
            0,
            Level::Warning,
            "demo_main",
            "demo_basic_logging",
            None,
            "This is a WARNING message",
            "2025-01-19 14:30:15 | WARNING  | demo_main             | demo_basic_logging   | no-req       | This is a WARNING message",
        ),
        (
            0,
            Level::Error,
            "demo_main",
            "demo_basic_logging",
            None,
            "This is an ERROR message",
            "2025-01-19 14:30:15 | ERROR    | demo_main             | demo_basic_logging   | no-req       | This is an ERROR message",
        ),
    ];
    for (offset, level, target, function, request_id, message, expected) in cases {
        let event = Event {
            function: Some(function),
            request_id,
            ..Event::new(Timestamp::new(JAN_19 + offset, 0), level, target, &message)
        };
        assert_eq!(render(&utc(Format::Pipe), &event), format!("{expected}\n"));
    }
}

#[test]
fn compact_matches_the_second_seed() {
    let cases = [
        "===== 요청 시작: /vision =====",
        "시작 시각: 2025-01-09 14:30:25.123",
        "프롬프트 길이: 250자",
        "GPU 메모리 (생성 전): 15.23GB / 80.00GB (19.0%)",
        "응답 미리보기: 이미지에는 사무실 환경이...",
    ];
    for message in cases {
        let event = Event {
            request_id: Some("a1b2c3d4"),
            ..Event::new(Timestamp::new(JAN_09, 0), Level::Info, "app", &message)
        };
        assert_eq!(
            render(&utc(Format::Compact), &event),
            format!("2025-01-09 14:30:25 - INFO - [a1b2c3d4] {message}\n")
        );
    }
}

#[test]
fn the_seeds_multi_line_parameters_become_detail_lines_with_the_prefix() {
    let details: [&dyn fmt::Display; 2] = [&"- max_tokens: 512", &"- temperature: 0.7"];
    let event = Event {
        request_id: Some("a1b2c3d4"),
        details: &details,
        ..Event::new(Timestamp::new(JAN_09, 0), Level::Info, "app", &"생성 파라미터:")
    };
    assert_eq!(
        render(&utc(Format::Compact), &event),
        "2025-01-09 14:30:25 - INFO - [a1b2c3d4] 생성 파라미터:\n\
         2025-01-09 14:30:25 - INFO - [a1b2c3d4]   - max_tokens: 512\n\
         2025-01-09 14:30:25 - INFO - [a1b2c3d4]   - temperature: 0.7\n"
    );
}

#[test]
fn compact_outside_a_request_has_no_brackets() {
    let event = Event::new(
        Timestamp::new(JAN_09, 0),
        Level::Warning,
        "app",
        &"High memory usage detected",
    );
    assert_eq!(
        render(&utc(Format::Compact), &event),
        "2025-01-09 14:30:25 - WARNING - High memory usage detected\n"
    );
}

#[test]
fn performance_fields_follow_the_message() {
    let fields = [
        ("generation_ms", Value::U64(1850)),
        ("tokens_generated", Value::U64(145)),
        ("tokens_per_second", Value::F64(78.4)),
    ];
    let event = Event {
        function: Some("generate"),
        request_id: Some("req_a1b2c3d4"),
        fields: &fields,
        ..Event::new(
            Timestamp::new(JAN_09 + 2, 0),
            Level::Info,
            "inference_demo::engine",
            &"performance",
        )
    };
    assert_eq!(
        render(&utc(Format::Pipe), &event),
        "2025-01-09 14:30:27 | INFO     | inference_demo::engine | generate             | req_a1b2c3d4 | performance generation_ms=1850 tokens_generated=145 tokens_per_second=78.4\n"
    );
}

#[test]
fn precision_and_zone_apply_to_the_text_formats() {
    let event = Event::new(Timestamp::new(JAN_19, 123_456_789), Level::Debug, "t", &"m");
    let seoul = Zone::posix("KST-9").unwrap();
    let ms = Formatter::new(Format::Compact)
        .with_zone(seoul.clone())
        .with_precision(Precision::Millis);
    assert_eq!(render(&ms, &event), "2025-01-19 23:30:15.123 - DEBUG - m\n");
    let us = Formatter::new(Format::Pipe)
        .with_zone(seoul)
        .with_precision(Precision::Micros);
    assert!(render(&us, &event).starts_with("2025-01-19 23:30:15.123456 | DEBUG    | "));
}

#[test]
fn json_line_is_exactly_the_documented_shape() {
    let fields = [("port", Value::U64(8000)), ("host", Value::Str("127.0.0.1"))];
    let event = Event {
        function: Some("create_app"),
        file: Some("src/main.rs"),
        line: Some(42),
        thread: Some("main"),
        fields: &fields,
        ..Event::new(
            Timestamp::new(JAN_19, 123_456_000),
            Level::Info,
            "app.main",
            &"VLLM Server starting up",
        )
    };
    assert_eq!(
        render(&utc(Format::Json), &event),
        concat!(
            r#"{"timestamp":"2025-01-19T14:30:15.123456Z","level":"INFO","target":"app.main","#,
            r#""function":"create_app","file":"src/main.rs","line":42,"request_id":null,"thread":"main","#,
            r#""message":"VLLM Server starting up","fields":{"port":8000,"host":"127.0.0.1"}}"#,
            "\n"
        )
    );
}
