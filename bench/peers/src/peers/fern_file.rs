//! `fern`: a `Dispatch` at INFO with a format closure, chained to a file (fern wraps it in a
//! `BufWriter` and flushes after every record, so each call writes to the file).

use std::path::Path;

use crate::clock::Rfc3339;
use crate::harness::{self, Measured, Plan};
use crate::workload::{TARGET, finished_format_with_id};

pub(super) fn run(plan: &Plan, dir: &Path) -> Result<Measured, String> {
    let path = dir.join("fern.log");
    let file = fern::log_file(&path).map_err(|e| format!("opening {}: {e}", path.display()))?;
    fern::Dispatch::new()
        .level(log::LevelFilter::Info)
        .format(|out, message, record| {
            out.finish(format_args!(
                "{} {} {} {}",
                Rfc3339::now(),
                record.level(),
                record.target(),
                message
            ))
        })
        .chain(file)
        .apply()
        .map_err(|e| format!("installing fern: {e}"))?;
    let logged = harness::drive(
        plan,
        |_| (),
        |_, worker, v| {
            log::info!(target: TARGET, finished_format_with_id!(), worker.request_id, v.tokens, v.ms, v.tokens_per_s);
        },
    );
    log::logger().flush();
    Ok(logged.finished())
}
