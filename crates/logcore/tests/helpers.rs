//! The seeds' helpers: `log_exception` (log_error), `log_request_info`, truncation, redaction.

mod support;

use std::error::Error;
use std::fmt;

use logcore::{Config, Level, LevelFilter};
use support::{logger_with_memory, quiet_config};

#[derive(Debug)]
struct Layer(&'static str, Option<Box<Layer>>);

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Error for Layer {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.1.as_deref().map(|e| e as &(dyn Error + 'static))
    }
}

fn three_layers() -> Layer {
    Layer(
        "generation failed",
        Some(Box::new(Layer(
            "sampler error",
            Some(Box::new(Layer("CUDA out of memory", None))),
        ))),
    )
}

#[test]
fn log_error_writes_the_whole_chain_as_lines_of_one_record() {
    let (logger, memory) = logger_with_memory(quiet_config(LevelFilter::INFO));
    let site = logcore::__private::Site {
        target: "app.engine",
        function: Some("app::engine::generate::__f"),
        file: "src/engine.rs",
        line: 7,
    };
    logger.log_error_at(site, Some(&"Text generation failed"), &three_layers(), None);
    let records = memory.records();
    assert_eq!(records.len(), 1, "no backtrace record at INFO");
    let r = &records[0];
    assert_eq!(r.level, Level::Error);
    assert_eq!(r.message, "Text generation failed: generation failed");
    assert_eq!(r.details, ["caused by: sampler error", "caused by: CUDA out of memory"]);
    assert_eq!(r.function.as_deref(), Some("generate"));
}

#[test]
fn at_debug_a_backtrace_is_always_logged_too() {
    let (logger, memory) = logger_with_memory(quiet_config(LevelFilter::DEBUG));
    let site = logcore::__private::Site {
        target: "app",
        function: None,
        file: "f.rs",
        line: 1,
    };
    logger.log_error_at(site, None, &three_layers(), None);
    let records = memory.records();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].level, Level::Debug);
    assert!(records[1].details.len() > 2, "backtrace frames as detail lines");
}

#[test]
fn a_captured_backtrace_is_written_with_the_error() {
    let (logger, memory) = logger_with_memory(quiet_config(LevelFilter::INFO));
    let bt = std::backtrace::Backtrace::force_capture();
    let site = logcore::__private::Site {
        target: "app",
        function: None,
        file: "f.rs",
        line: 1,
    };
    logger.log_error_at(site, None, &Layer("boom", None), Some(&bt));
    let r = &memory.records()[0];
    assert_eq!(r.details[0], "backtrace:");
    assert!(r.details.len() > 2);
}

fn request_config(log_body: bool, max: Option<usize>, level: LevelFilter) -> Config {
    let mut config = quiet_config(level);
    config.request.log_body = log_body;
    config.request.max_body_chars = max;
    config
}

#[test]
fn request_info_has_method_path_client_and_size() {
    let (logger, memory) = logger_with_memory(request_config(false, None, LevelFilter::INFO));
    logger.log_request_info(
        "POST",
        "/generate",
        Some("127.0.0.1"),
        Some(345),
        Some("{\"prompt\": \"hi\"}"),
    );
    let r = &memory.records()[0];
    assert_eq!(r.message, "Request: POST /generate");
    assert_eq!(r.target, "request");
    assert_eq!(r.field("client_ip"), Some("127.0.0.1"));
    assert_eq!(r.field("body_size"), Some("345"));
    assert_eq!(r.field("body_preview"), None, "LOG_REQUEST_BODY is off");
    assert_eq!(r.file.as_deref(), Some(file!()));
}

#[test]
fn body_preview_is_redacted_then_cut_by_characters() {
    let body = format!(
        "{{\"api_key\": \"sk-live-0123456789abcdef\", \"prompt\": \"{}\"}}",
        "이미지".repeat(200)
    );
    let preview = |max, level| {
        let (logger, memory) = logger_with_memory(request_config(true, max, level));
        logger.log_request_info("POST", "/vision", None, Some(body.len()), Some(&body));
        memory.records()[0].field("body_preview").unwrap().to_owned()
    };
    let info = preview(None, LevelFilter::INFO);
    assert!(!info.contains("0123456789abcdef"), "{info}");
    assert!(info.contains("[REDACTED]"));
    assert_eq!(info.chars().count(), 100 + 3, "100 characters and an ellipsis: {info}");
    assert_eq!(preview(None, LevelFilter::DEBUG).chars().count(), 500 + 3);
    assert_eq!(preview(Some(20), LevelFilter::DEBUG).chars().count(), 20 + 3);
    let short = {
        let (logger, memory) = logger_with_memory(request_config(true, None, LevelFilter::INFO));
        logger.log_request_info("GET", "/health", None, None, Some("short"));
        memory.records()[0].field("body_preview").unwrap().to_owned()
    };
    assert_eq!(short, "short");
}

#[test]
fn public_truncation_and_redaction_helpers() {
    assert_eq!(
        logcore::truncate_chars("이미지에는 사무실 환경이 보입니다", 5),
        "이미지에는"
    );
    assert_eq!(
        logcore::preview("이미지에는 사무실 환경이", 13),
        "이미지에는 사무실 환경이"
    );
    assert_eq!(
        logcore::redact("Authorization: Bearer abc.def.ghi"),
        "Authorization: Bearer [REDACTED]"
    );
}
