//! Property tests: no input in any field can break a line, forge one, or reach a terminal
//! as an escape sequence; JSON always parses back to the same text.

use std::fmt;

use logfmt::{Event, Format, Formatter, Level, Scratch, Timestamp, Value, Zone};
use proptest::prelude::*;

/// Any Unicode, weighted towards the characters that attack a log line.
fn hostile_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        any::<String>(),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just("\x1b[31m".to_owned()),
        Just("\u{9b}2J".to_owned()),
        Just("\u{2028}".to_owned()),
        Just("\u{202e}".to_owned()),
        Just("\" \\ = |".to_owned()),
        Just("이미지 😀 e\u{301}".to_owned()),
        "[\\x00-\\x1f\\x7f]{1,3}",
    ];
    prop::collection::vec(pieces, 0..6).prop_map(|v| v.concat())
}

#[derive(Debug, Clone)]
struct Parts {
    secs: i64,
    nanos: u32,
    level: usize,
    target: String,
    function: Option<String>,
    request_id: Option<String>,
    message: String,
    key: String,
    value: String,
    detail: Option<String>,
}

fn parts() -> impl Strategy<Value = Parts> {
    (
        (0i64..4_102_444_800, 0u32..1_000_000_000, 0usize..6),
        (
            hostile_text(),
            proptest::option::of(hostile_text()),
            proptest::option::of(hostile_text()),
        ),
        (
            hostile_text(),
            hostile_text(),
            hostile_text(),
            proptest::option::of(hostile_text()),
        ),
    )
        .prop_map(
            |((secs, nanos, level), (target, function, request_id), (message, key, value, detail))| Parts {
                secs,
                nanos,
                level,
                target,
                function,
                request_id,
                message,
                key,
                value,
                detail,
            },
        )
}

fn render(format: Format, p: &Parts, redact: bool) -> String {
    let fields = [(p.key.as_str(), Value::Str(&p.value)), ("n", Value::I64(p.secs))];
    let detail_list: Vec<&dyn fmt::Display> = p.detail.iter().map(|d| d as &dyn fmt::Display).collect();
    let event = Event {
        function: p.function.as_deref(),
        request_id: p.request_id.as_deref(),
        thread: Some(&p.target),
        fields: &fields,
        details: &detail_list,
        ..Event::new(
            Timestamp::new(p.secs, p.nanos),
            Level::from_index(p.level).unwrap(),
            &p.target,
            &p.message,
        )
    };
    let mut out = Vec::new();
    Formatter::new(format)
        .with_zone(Zone::utc())
        .with_redaction(redact)
        .format(&event, &mut out, &mut Scratch::new());
    String::from_utf8(out).expect("formatter writes UTF-8")
}

fn is_line_breaking_or_terminal_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn text_formats_give_one_physical_line_per_line_we_mean(p in parts(), redact in any::<bool>()) {
        for format in [Format::Pipe, Format::Compact] {
            let text = render(format, &p, redact);
            let expected_lines = 1 + usize::from(p.detail.is_some());
            prop_assert!(text.ends_with('\n'));
            prop_assert_eq!(text.matches('\n').count(), expected_lines, "{:?}", text);
            let body = text.replace('\n', "");
            prop_assert!(
                !body.chars().any(is_line_breaking_or_terminal_control),
                "a control character got through: {:?}", text
            );
        }
    }

    #[test]
    fn json_parses_back_to_the_same_text(p in parts()) {
        let text = render(Format::Json, &p, false);
        prop_assert_eq!(text.matches('\n').count(), 1);
        prop_assert!(!text.contains('\x1b') && !text.contains('\r'));
        let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        prop_assert_eq!(v["message"].as_str(), Some(p.message.as_str()));
        prop_assert_eq!(v["target"].as_str(), Some(p.target.as_str()));
        prop_assert_eq!(v["function"].as_str(), p.function.as_deref());
        prop_assert_eq!(v["request_id"].as_str(), p.request_id.as_deref());
        prop_assert_eq!(v["fields"]["n"].as_i64(), Some(p.secs));
        if p.key != "n" {
            prop_assert_eq!(v["fields"][p.key.as_str()].as_str(), Some(p.value.as_str()));
        }
        if let Some(detail) = &p.detail {
            prop_assert_eq!(v["details"][0].as_str(), Some(detail.as_str()));
        }
    }

    #[test]
    fn json_with_redaction_is_valid_and_redacts_like_redact(p in parts()) {
        let text = render(Format::Json, &p, true);
        let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        let expected = logfmt::redact(&p.message);
        prop_assert_eq!(v["message"].as_str(), Some(expected.as_ref()));
    }
}
