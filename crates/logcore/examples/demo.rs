//! The console demo that `cargo xtask demo` runs: the logger installed from the environment,
//! then each feature in turn, in colour on a terminal.
//!
//! Try `LOG_FORMAT=compact`, `LOG_FORMAT=json`, `LOG_LEVEL=info`, `NO_COLOR=1` or
//! `LOG_TIMEZONE=Asia/Seoul` in front of `cargo xtask demo`.

use std::error::Error;
use std::fmt;
use std::time::Duration;

use logcore::{Config, LevelFilter, RequestId, RequestIdExt, RequestScope};

fn main() -> Result<(), Box<dyn Error>> {
    let mut config = Config::from_env()?;
    if std::env::var_os("LOG_LEVEL").is_none() {
        // Show every level unless the user chose one.
        config.level = LevelFilter::TRACE;
    }
    config.request.log_body = true;
    let guard = logcore::install(config)?;

    section("1. Every level");
    every_level();
    section("2. A request: its id on every line, the second seed's lifecycle");
    one_request();
    section("3. Concurrent requests on a multi-threaded runtime");
    concurrent_requests();
    section("4. An error with its source chain");
    an_error();
    section("5. User input cannot break a line, forge one or recolour the terminal");
    hostile_input();
    section("6. Changing levels at run time");
    level_changes()?;
    section("7. The stats snapshot (what /health serves)");
    logcore::flush();
    println!(
        "{}",
        serde_json::to_string_pretty(&logcore::stats().ok_or("logger not installed")?)?
    );
    drop(guard);
    Ok(())
}

fn section(title: &str) {
    // Lines are written by the console worker: let them out before the heading.
    logcore::flush();
    println!("\n=== {title} ===");
}

fn every_level() {
    logcore::trace!(target: "demo_main", "This is a TRACE message");
    logcore::debug!(target: "demo_main", "This is a DEBUG message");
    logcore::info!(target: "demo_main", "This is an INFO message");
    logcore::warn!(target: "demo_main", "This is a WARNING message");
    logcore::error!(target: "demo_main", "This is an ERROR message");
    logcore::critical!(target: "demo_main", "This is a CRITICAL message");
    log::info!(target: "demo_main", "From plain log::info! (no function name: the column shows -)");
}

fn one_request() {
    let id = RequestId::generate();
    let _scope = RequestScope::enter(id);
    let body = r#"{"prompt": "이미지를 설명해 주세요", "max_tokens": 512, "temperature": 0.7, "api_key": "sk-proj-abcdefghijklmnop"}"#;
    logcore::log_request_info("POST", "/generate", Some("127.0.0.1"), Some(body.len()), Some(body));
    logcore::info!(target: "app.routers.generate", "===== request start: /generate =====");
    logcore::info!(target: "app.routers.generate", prompt_chars = 13; "prompt length");
    logcore::info!(target: "app.routers.generate", max_tokens = 512, temperature = 0.7, top_p = 0.95; "generation parameters");
    std::thread::sleep(Duration::from_millis(30));
    let response =
        "이미지에는 사무실 환경이 보입니다. 책상 위에 모니터 두 대와 키보드가 있고, 창밖으로 도시가 보입니다.";
    logcore::info!(target: "app.routers.generate", response_chars = response.chars().count(); "response length");
    logcore::info!(target: "app.routers.generate", "response preview: {}", logcore::preview(response, 20));
    logcore::info!(
        target: "app.routers.generate",
        generation_ms = 1850, tokens_generated = 145, tokens_per_second = 78.4;
        "performance"
    );
    logcore::info!(target: "app.routers.generate", endpoint_total_ms = 2156; "===== request succeeded =====");
    logcore::request_logger(RequestId::parse("batch_req_1").expect("valid id"))
        .with_target("batch_processor")
        .info("A handle that logs with an explicit id (get_request_logger)");
}

fn concurrent_requests() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let tasks: Vec<_> = (1..=3)
            .map(|n| {
                tokio::spawn(
                    async move {
                        logcore::info!(target: "app.engine", request = n; "queued");
                        tokio::time::sleep(Duration::from_millis(5 * n)).await;
                        logcore::info!(target: "app.engine", request = n; "first token");
                        tokio::task::yield_now().await;
                        logcore::info!(target: "app.engine", request = n; "finished");
                    }
                    .with_request_id(RequestId::generate()),
                )
            })
            .collect();
        for task in tasks {
            task.await.expect("task");
        }
    });
}

#[derive(Debug)]
struct Failure(&'static str, Option<Box<Failure>>);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Error for Failure {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.1.as_deref().map(|e| e as &(dyn Error + 'static))
    }
}

fn an_error() {
    let _scope = RequestScope::enter(RequestId::generate());
    let err = Failure(
        "sampling failed",
        Some(Box::new(Failure(
            "kernel launch failed",
            Some(Box::new(Failure("CUDA error: out of memory", None))),
        ))),
    );
    logcore::log_error!(target: "app.engine", &err, "Text generation failed");
}

fn hostile_input() {
    let prompt = "ignore this\n2025-01-19 14:30:15 | CRITICAL | app.main | x | no-req | forged line\x1b[31m red?";
    logcore::warn!(target: "app.routers.generate", "suspicious prompt: {prompt}");
    logcore::info!(target: "app.routers.generate", header = "Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig"; "secrets are redacted");
}

fn level_changes() -> Result<(), logcore::Error> {
    logcore::set_level(LevelFilter::WARNING)?;
    logcore::info!(target: "demo_main", "not shown: the global level is now WARNING");
    logcore::warn!(target: "demo_main", "shown: the global level is now WARNING");
    logcore::set_target_level("app.engine", LevelFilter::DEBUG)?;
    logcore::debug!(target: "app.engine", "shown: app.engine alone is at DEBUG");
    logcore::set_level(LevelFilter::INFO)?;
    logcore::set_console_level(LevelFilter::ERROR)?;
    logcore::warn!(target: "demo_main", "not shown: the console level is now ERROR");
    logcore::error!(target: "demo_main", "shown: the console level is now ERROR");
    logcore::set_console_level(LevelFilter::TRACE)?;
    Ok(())
}
