//! `ours`: `logcore` with one `logsink-file` sink (UTC, console off, no panic hook). Each
//! thread enters a `RequestScope`, so the logger writes the request id and the message leaves
//! it out. Dropping the guard drains the sink's worker and flushes the file.

use std::path::Path;

use crate::harness::{self, Measured, Plan};
use crate::workload::{TARGET, finished_format};

pub(super) fn run(plan: &Plan, dir: &Path) -> Result<Measured, String> {
    let sink = logsink_file::FileSink::builder(dir)
        .prefix("bench_")
        .suffix(".log")
        .zone(logcore::Zone::utc())
        .build()
        .map_err(|e| format!("building the file sink in {}: {e}", dir.display()))?;
    let mut config = logcore::Config::default();
    config.console.enabled = false;
    config.panic_hook = false;
    let guard = logcore::LoggerBuilder::new(config)
        .sink("file", sink, logcore::SinkOptions::default())
        .install()
        .map_err(|e| format!("installing logcore: {e}"))?;
    let logged = harness::drive(
        plan,
        |worker| {
            let id = logcore::RequestId::parse(&worker.request_id).expect("the bench's request ids are valid");
            logcore::RequestScope::enter(id)
        },
        |_, _, v| {
            log::info!(target: TARGET, finished_format!(), v.tokens, v.ms, v.tokens_per_s);
        },
    );
    drop(guard);
    Ok(logged.finished())
}
