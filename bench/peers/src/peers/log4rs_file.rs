//! `log4rs`: a `FileAppender` with a `PatternEncoder`, root at INFO (the appender flushes its
//! small `BufWriter` after every record).

use std::path::Path;

use log4rs::append::file::FileAppender;
use log4rs::config::{Appender, Config, Root};
use log4rs::encode::pattern::PatternEncoder;

use crate::harness::{self, Measured, Plan};
use crate::workload::{TARGET, finished_format_with_id};

pub(super) fn run(plan: &Plan, dir: &Path) -> Result<Measured, String> {
    let path = dir.join("log4rs.log");
    let file = FileAppender::builder()
        .encoder(Box::new(PatternEncoder::new(
            "{d(%Y-%m-%dT%H:%M:%S%.6fZ)(utc)} {l} {t} {m}{n}",
        )))
        .build(&path)
        .map_err(|e| format!("opening {}: {e}", path.display()))?;
    let config = Config::builder()
        .appender(Appender::builder().build("file", Box::new(file)))
        .build(Root::builder().appender("file").build(log::LevelFilter::Info))
        .map_err(|e| format!("configuring log4rs: {e}"))?;
    let _handle = log4rs::init_config(config).map_err(|e| format!("installing log4rs: {e}"))?;
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
