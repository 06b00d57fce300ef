//! `flexi_logger`: a file at INFO with a format of timestamp, level, target and message,
//! written either directly by the caller (`WriteMode::Direct`) or by its output thread
//! (`WriteMode::Async`, an unbounded channel, so nothing is dropped).

use std::io::Write;
use std::path::Path;

use flexi_logger::{DeferredNow, FileSpec, WriteMode};

use crate::harness::{self, Measured, Plan};
use crate::workload::{TARGET, finished_format_with_id};

/// Which write mode to run.
#[derive(Debug, Clone, Copy)]
pub(super) enum Mode {
    /// `WriteMode::Direct`: every line written by the calling thread.
    Direct,
    /// `WriteMode::Async`: lines sent to flexi_logger's output thread.
    Async,
}

pub(super) fn run(plan: &Plan, dir: &Path, mode: Mode) -> Result<Measured, String> {
    let write_mode = match mode {
        Mode::Direct => WriteMode::Direct,
        Mode::Async => WriteMode::Async,
    };
    let handle = flexi_logger::Logger::try_with_str("info")
        .map_err(|e| format!("configuring flexi_logger: {e}"))?
        .log_to_file(
            FileSpec::default()
                .directory(dir)
                .basename("flexi")
                .suppress_timestamp(),
        )
        .format_for_files(line_format)
        .write_mode(write_mode)
        .start()
        .map_err(|e| format!("starting flexi_logger in {}: {e}", dir.display()))?;
    let logged = harness::drive(
        plan,
        |_| (),
        |_, worker, v| {
            log::info!(target: TARGET, finished_format_with_id!(), worker.request_id, v.tokens, v.ms, v.tokens_per_s);
        },
    );
    handle.flush();
    handle.shutdown();
    Ok(logged.finished())
}

fn line_format(w: &mut dyn Write, now: &mut DeferredNow, record: &log::Record<'_>) -> std::io::Result<()> {
    write!(
        w,
        "{} {} {} {}",
        now.now_utc_owned().format("%Y-%m-%dT%H:%M:%S%.6fZ"),
        record.level(),
        record.target(),
        record.args()
    )
}
