//! Writing perfmon's lines through the `log` facade, with key-values, the caller's function
//! and the request they belong to.

use std::fmt;

use log::kv::Value;
use logcore::__private::FUNCTION_KEY;
use logcore::{RequestId, RequestScope, current_request_id};

/// Where a line comes from: the target, and the function when a macro captured it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Site {
    /// The `log` target.
    pub target: &'static str,
    /// The function's path as `logcore`'s macros capture it, or `None`.
    pub function: Option<&'static str>,
}

/// Whether a line at `level` for `target` would be written anywhere.
#[inline]
pub(crate) fn enabled(level: log::Level, target: &str) -> bool {
    level <= log::max_level() && log::logger().enabled(&log::Metadata::builder().level(level).target(target).build())
}

/// Logs one line with `fields`, inside `request` when it is not the thread's current one
/// (a timer dropped on another thread of an async runtime still names its request).
pub(crate) fn emit(
    level: log::Level,
    site: Site,
    request: Option<RequestId>,
    message: fmt::Arguments<'_>,
    fields: &[(&str, Value<'_>)],
) {
    if !enabled(level, site.target) {
        return;
    }
    let _scope = match request {
        Some(id) if current_request_id() != Some(id) => Some(RequestScope::enter(id)),
        _ => None,
    };
    let mut kvs: Vec<(&str, Value<'_>)> = Vec::with_capacity(fields.len() + 1);
    if let Some(function) = site.function {
        kvs.push((FUNCTION_KEY, Value::from(function)));
    }
    kvs.extend(fields.iter().cloned());
    log::logger().log(
        &log::Record::builder()
            .level(level)
            .target(site.target)
            .args(message)
            .key_values(&kvs)
            .build(),
    );
}

/// Figures shown with one decimal (`78.4`), as the seeds write them.
pub(crate) fn one_decimal(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// `amount` per second of `over`, with one decimal; 0 over no time at all.
pub(crate) fn per_second(amount: f64, over: std::time::Duration) -> f64 {
    let secs = over.as_secs_f64();
    if secs > 0.0 { one_decimal(amount / secs) } else { 0.0 }
}

/// Milliseconds with one decimal.
pub(crate) fn ms(d: std::time::Duration) -> f64 {
    one_decimal(d.as_secs_f64() * 1000.0)
}
