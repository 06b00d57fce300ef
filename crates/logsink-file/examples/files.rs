//! The file sink at work: the second seed's application and engine logs as two daily files
//! under `LOG_DIR` (default `logs/`), a logrotate-style rename followed by SIGHUP, and a
//! simulated week (an injected clock) that shows size rotation, midnight, gzip and retention.
//!
//! `cargo run -p logsink-file --example files` (part of `cargo xtask demo`).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use logcore::{Config, LoggerBuilder, ManualClock, RequestId, RequestScope, SinkOptions, Timestamp};
use logsink_file::FileSink;

const CONFIG: &str = r#"
level = "debug"

[console]
level = "info"

[file]
max_days = 7

[file.files.app]
prefix = "vllm_app_"
exclude = ["inference_demo::engine"]

[file.files.engine]
prefix = "vllm_engine_"
include = ["inference_demo::engine"]
level = "debug"
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let config_path = dir.path().join("logging.toml");
    std::fs::write(&config_path, CONFIG)?;
    let config = logcore::ConfigLoader::new()
        .file(&config_path)
        .section(logsink_file::SECTION)
        .load()?;
    let log_dir = config.log_dir.clone();
    let guard = logsink_file::add_to(LoggerBuilder::new(config.clone()), &config)?.install()?;
    let _sighup = logsink_file::reopen_on_sighup()?;

    logcore::info!(target: "inference_demo::server", "VLLM Server starting up; files in {}", log_dir.display());
    {
        let _scope = RequestScope::enter(RequestId::generate());
        logcore::info!(target: "inference_demo::server", "Processing generation request");
        logcore::debug!(target: "inference_demo::engine", "GPU memory (before generation): 15.23GB / 80.00GB (19.0%)");
        logcore::info!(target: "inference_demo::engine", tokens_generated = 42; "Generation finished");
        logcore::info!(target: "inference_demo::server", "Request completed successfully");
    }
    logcore::flush();

    // What logrotate does: move today's file away, then signal the server (SIGHUP), which
    // reopens the files. New lines go to a new file at the old name.
    let stats = logcore::stats().expect("installed");
    let app_file = stats
        .sinks
        .iter()
        .find(|s| s.name == "file:app")
        .and_then(|s| s.stats.file.clone())
        .expect("the app file is open");
    let rotated = format!("{app_file}.rotated-by-logrotate");
    std::fs::rename(&app_file, &rotated)?;
    let reopens = || -> u64 {
        let stats = logcore::stats().expect("installed");
        stats
            .sinks
            .iter()
            .map(|s| s.stats.extra.get("reopens").copied().unwrap_or(0))
            .sum()
    };
    signal_hook::low_level::raise(signal_hook::consts::SIGHUP)?;
    while reopens() == 0 {
        std::thread::sleep(Duration::from_millis(5));
    }
    logcore::info!(target: "inference_demo::server", "Log files reopened after an external rotation");
    logcore::flush();
    println!("\nlogrotate renamed {app_file}\n  -> {rotated}; after SIGHUP the app log continues in a new {app_file}");
    std::fs::remove_file(&rotated)?;

    print_file_stats();
    drop(guard);

    simulated_week(&log_dir.join("simulated-week"))?;
    Ok(())
}

fn print_file_stats() {
    let stats = logcore::stats().expect("installed");
    println!("\nfile sinks in stats():");
    for sink in stats.sinks.iter().filter(|s| s.stats.kind == "file") {
        println!(
            "  {:<12} {} ({} records, {} bytes, {} rotations, {} write errors)",
            sink.name,
            sink.stats.file.as_deref().unwrap_or("-"),
            sink.stats.written,
            sink.stats.bytes,
            sink.stats.extra["rotations"],
            sink.stats.extra["write_errors"],
        );
    }
}

/// Eight days of traffic in a moment, through a logger with an injected clock: a 4 KiB size
/// limit, gzip with the newest rotated file left plain, and 5 days kept.
fn simulated_week(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let _ = std::fs::remove_dir_all(dir);
    let sink = Arc::new(
        FileSink::builder(dir)
            .zone(logcore::Zone::utc())
            .max_size(Some(4096))
            .max_days(Some(5))
            .compress(true)
            .build()?,
    );
    let clock = Arc::new(ManualClock::new(Timestamp::new(1_737_244_800, 0))); // 2025-01-19 00:00 UTC
    let mut config = Config::default();
    config.console.enabled = false;
    let logger = LoggerBuilder::new(config)
        .sink("file", Arc::clone(&sink), SinkOptions::default())
        .clock(clock.clone())
        .build()?;
    for day in 0..8 {
        for n in 0..(if day == 7 { 10 } else { 60 }) {
            clock.set(Timestamp::new(1_737_244_800 + day * 86_400 + n * 600, 0));
            log::Log::log(
                &logger,
                &log::Record::builder()
                    .args(format_args!(
                        "Generation finished: {} tokens in {} ms",
                        100 + n,
                        900 + n * 7
                    ))
                    .level(log::Level::Info)
                    .target("inference_demo::engine")
                    .build(),
            );
        }
        logger.flush_timeout(Duration::from_secs(5));
    }
    sink.wait_housekeeping(Duration::from_secs(10));
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    // By date, then by size index (`.txt` is the day's first file, then `.1.txt`, ...).
    names.sort_by_key(|n| {
        let index: u32 = n.split('.').nth(1).and_then(|i| i.parse().ok()).unwrap_or(0);
        (n[..n.find('.').unwrap_or(n.len())].to_owned(), index)
    });
    println!(
        "\na simulated week in {} (4 KiB files, gzip, 5 days kept):",
        dir.display()
    );
    for name in names {
        println!("  {name}");
    }
    let stats = logcore::Sink::stats(&*sink);
    println!(
        "  {} rotations, {} compressed, {} removed by retention",
        stats.extra["rotations"], stats.extra["compressed"], stats.extra["removed"]
    );
    Ok(())
}
