//! `ftlog`: its asynchronous logger (INFO, a bounded queue of 100,000 that blocks when full,
//! so that it loses nothing as every logger here must; its default drops silently, and lost
//! 47-89% of a million records in a trial; a logging thread that formats the time and writes) into its
//! `FileAppender`, with a format of level, target and message (ftlog adds the time and the
//! queueing delay). Dropping its guard drains the queue and flushes.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

use ftlog::FtLogFormat;
use ftlog::appender::FileAppender;

use crate::harness::{self, Measured, Plan};
use crate::workload::{TARGET, finished_format_with_id};

pub(super) fn run(plan: &Plan, dir: &Path) -> Result<Measured, String> {
    let guard = ftlog::builder()
        .utc()
        .bounded(100_000, true)
        .format(TargetFormat)
        .root(FileAppender::new(dir.join("ftlog.log")))
        .try_init()
        .map_err(|e| format!("installing ftlog: {e}"))?;
    let logged = harness::drive(
        plan,
        |_| (),
        |_, worker, v| {
            log::info!(target: TARGET, finished_format_with_id!(), worker.request_id, v.tokens, v.ms, v.tokens_per_s);
        },
    );
    drop(guard);
    Ok(logged.finished())
}

/// ftlog's default format names the thread and source line; this one names the target, like
/// every other logger here. The message is formatted on the caller's thread, as ftlog's own.
struct TargetFormat;

impl FtLogFormat for TargetFormat {
    fn msg(&self, record: &log::Record<'_>) -> Box<dyn Send + Sync + fmt::Display> {
        Box::new(Line {
            level: record.level(),
            target: match record.target() {
                TARGET => Cow::Borrowed(TARGET),
                other => Cow::Owned(other.to_owned()),
            },
            args: record
                .args()
                .as_str()
                .map_or_else(|| Cow::Owned(record.args().to_string()), Cow::Borrowed),
        })
    }
}

struct Line {
    level: log::Level,
    target: Cow<'static, str>,
    args: Cow<'static, str>,
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.level, self.target, self.args)
    }
}
