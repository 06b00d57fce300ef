//! `spdlog-rs`: a logger at INFO named after the target, over an `AsyncPoolSink` (its default
//! `OverflowPolicy::Block`, so nothing is dropped) over a `FileSink`, with its default format.
//!
//! `Logger::flush` only queues a flush task, so the records are known to be on disk when the
//! pool's thread has been joined: the pool is this bench's own and is dropped last.

use std::path::Path;
use std::sync::Arc;

use spdlog::sink::{AsyncPoolSink, FileSink};
use spdlog::{Level, LevelFilter, ThreadPool};

use crate::harness::{self, Measured, Plan};
use crate::workload::{TARGET, finished_format_with_id};

pub(super) fn run(plan: &Plan, dir: &Path) -> Result<Measured, String> {
    let path = dir.join("spdlog.log");
    let file = FileSink::builder()
        .path(&path)
        .truncate(true)
        .build_arc()
        .map_err(|e| format!("opening {}: {e}", path.display()))?;
    let pool = ThreadPool::builder()
        .build_arc()
        .map_err(|e| format!("starting spdlog's thread pool: {e}"))?;
    let sink = AsyncPoolSink::builder()
        .sink(file)
        .thread_pool(Arc::clone(&pool))
        .build_arc()
        .map_err(|e| format!("building spdlog's async sink: {e}"))?;
    let logger = spdlog::Logger::builder()
        .name(TARGET)
        .sink(sink)
        .level_filter(LevelFilter::MoreSevereEqual(Level::Info))
        .build()
        .map_err(|e| format!("building spdlog's logger: {e}"))?;
    let logged = harness::drive(
        plan,
        |_| (),
        |_, worker, v| {
            spdlog::info!(logger: logger, finished_format_with_id!(), worker.request_id, v.tokens, v.ms, v.tokens_per_s);
        },
    );
    logger.flush();
    drop(logger);
    // The last reference: dropping it lets the pool's thread finish the queue and joins it.
    match Arc::into_inner(pool) {
        Some(pool) => drop(pool),
        None => return Err("spdlog's thread pool is still shared; cannot wait for it".into()),
    }
    Ok(logged.finished())
}
