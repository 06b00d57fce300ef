//! `tracing-subscriber`'s fmt layer (INFO, no ANSI) over `tracing-appender`'s non-blocking
//! writer in lossless mode (`lossy(false)`: a full queue blocks the caller instead of dropping
//! the line), draining into `rolling::never`, the crate's plain file appender.

use std::path::Path;

use tracing_appender::non_blocking::NonBlockingBuilder;

use crate::harness::{self, Measured, Plan};
use crate::workload::{TARGET, finished_format_with_id};

pub(super) fn run(plan: &Plan, dir: &Path) -> Result<Measured, String> {
    let file = tracing_appender::rolling::never(dir, "tracing.log");
    let (writer, guard) = NonBlockingBuilder::default().lossy(false).finish(file);
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(writer)
        .finish();
    tracing::subscriber::set_global_default(subscriber).map_err(|e| format!("installing tracing: {e}"))?;
    let logged = harness::drive(
        plan,
        |_| (),
        |_, worker, v| {
            tracing::info!(target: TARGET, finished_format_with_id!(), worker.request_id, v.tokens, v.ms, v.tokens_per_s);
        },
    );
    // Dropping the guard sends the worker its shutdown message and waits for it to finish.
    drop(guard);
    Ok(logged.finished())
}
