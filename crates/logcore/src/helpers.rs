//! The seeds' helpers: `log_exception` (here [`log_error`]), `log_request_info`, and
//! `get_request_logger` (here [`request_logger`]).

use std::backtrace::{Backtrace, BacktraceStatus};
use std::error::Error as StdError;
use std::fmt;
use std::panic::Location;
use std::sync::atomic::Ordering;

use logfmt::{Level, Value, preview, redact, truncate_chars};

use crate::logger::Record;
use crate::{Logger, RequestId, RequestScope};

/// Where a helper was called from.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct Site<'a> {
    /// The target (a module path).
    pub target: &'a str,
    /// The function's full path as the macros capture it, or `None`.
    pub function: Option<&'a str>,
    /// The source file.
    pub file: &'a str,
    /// The source line.
    pub line: u32,
}

impl<'a> Site<'a> {
    #[track_caller]
    fn caller(target: &'a str) -> Self {
        let location = Location::caller();
        Site {
            target,
            function: None,
            file: location.file(),
            line: location.line(),
        }
    }
}

/// The target of records from [`log_error`] called as a function (the macro uses the
/// caller's module).
pub const ERROR_TARGET: &str = "error";
/// The target of [`log_request_info`]'s records.
pub const REQUEST_TARGET: &str = "request";

/// Preview lengths when `MAX_BODY_SIZE_LOG` is not set (the second seed's figures).
const PREVIEW_AT_INFO: usize = 100;
const PREVIEW_AT_DEBUG: usize = 500;
/// Characters past the preview that are redacted with it.
const REDACTION_MARGIN: usize = 4096;

impl Logger {
    /// Logs `err` at ERROR with its whole source chain, one `caused by:` line each; then the
    /// backtrace, when one was captured. When DEBUG is on for the target and no backtrace was
    /// given, one is captured here and logged at DEBUG.
    #[doc(hidden)]
    pub fn log_error_at(
        &self,
        site: Site<'_>,
        context: Option<&dyn fmt::Display>,
        err: &(dyn StdError + 'static),
        backtrace: Option<&Backtrace>,
    ) {
        // DEBUG on implies ERROR on, so nothing below is wanted when ERROR is off.
        if !self.enabled(Level::Error, site.target) {
            return;
        }
        let message = match context {
            Some(context) => format!("{context}: {err}"),
            None => err.to_string(),
        };
        let mut lines: Vec<String> = std::iter::successors(err.source(), |e: &&(dyn StdError + 'static)| (*e).source())
            .map(|cause| format!("caused by: {cause}"))
            .collect();
        let captured = backtrace.filter(|b| b.status() == BacktraceStatus::Captured);
        if let Some(bt) = captured {
            lines.extend(backtrace_lines(bt));
        }
        self.emit(site, Level::Error, &message, &lines);
        if captured.is_none() && self.enabled(Level::Debug, site.target) {
            let frames = short_backtrace(&Backtrace::force_capture());
            self.emit(
                site,
                Level::Debug,
                &"backtrace where the error above was logged",
                &frames,
            );
        }
    }

    fn emit(&self, site: Site<'_>, level: Level, message: &dyn fmt::Display, lines: &[String]) {
        let details: Vec<&dyn fmt::Display> = lines.iter().map(|l| l as &dyn fmt::Display).collect();
        self.dispatch(&Record {
            level,
            target: site.target,
            function: site.function.map(crate::bridge::short_function_name),
            file: Some(site.file),
            line: Some(site.line),
            message,
            fields: &(),
            details: &details,
            request_id: None,
        });
    }

    /// Logs an incoming request at INFO (the seeds' `log_request_info`). The body preview is
    /// written only when `LOG_REQUEST_BODY` is on; it is redacted, then cut to
    /// `MAX_BODY_SIZE_LOG` characters (when unset: 100, or 500 when DEBUG is on).
    #[track_caller]
    pub fn log_request_info(
        &self,
        method: &str,
        endpoint: &str,
        client_ip: Option<&str>,
        body_size: Option<usize>,
        body_preview: Option<&str>,
    ) {
        if !self.enabled(Level::Info, REQUEST_TARGET) {
            return;
        }
        let site = Site::caller(REQUEST_TARGET);
        let limit = match self.inner.max_body_chars.load(Ordering::Relaxed) {
            usize::MAX if self.enabled(Level::Debug, REQUEST_TARGET) => PREVIEW_AT_DEBUG,
            usize::MAX => PREVIEW_AT_INFO,
            set => set,
        };
        // Only what can reach the preview is redacted, so a multi-megabyte body is not scanned
        // whole on every request. The margin keeps a secret that starts inside the preview and
        // runs past its end (a long JWT) whole enough to be recognised.
        let redacted = body_preview
            .filter(|_| self.inner.log_body.load(Ordering::Relaxed))
            .map(|body| redact(truncate_chars(body, limit.saturating_add(REDACTION_MARGIN))));
        let cut = redacted.as_deref().map(|body| preview(body, limit));
        let mut fields: Vec<(&str, Value<'_>)> = Vec::with_capacity(3);
        if let Some(ip) = client_ip {
            fields.push(("client_ip", Value::Str(ip)));
        }
        if let Some(size) = body_size {
            fields.push(("body_size", Value::U64(size as u64)));
        }
        if let Some(body) = cut.as_deref() {
            fields.push(("body_preview", Value::Str(body)));
        }
        let message = format_args!("Request: {method} {endpoint}");
        self.dispatch(&Record {
            level: Level::Info,
            target: site.target,
            function: None,
            file: Some(site.file),
            line: Some(site.line),
            message: &message,
            fields: &fields,
            details: &[],
            request_id: None,
        });
    }

    /// A handle that logs with `id` whatever scope the caller is in.
    pub fn request_logger(&self, id: RequestId) -> RequestLogger {
        RequestLogger {
            logger: Some(self.clone()),
            id,
            target: REQUEST_TARGET.to_owned(),
        }
    }
}

/// Logs `err` with `context` on the installed logger: the seeds' `log_exception`. Prefer
/// the [`log_error!`](crate::log_error!) macro, which also records the calling module and
/// function.
///
/// ```
/// let err = std::io::Error::other("disk full");
/// logcore::log_error("Text generation failed", &err);
/// ```
#[track_caller]
pub fn log_error(context: &str, err: &(dyn StdError + 'static)) {
    __log_error(Site::caller(ERROR_TARGET), Some(&context), err, None);
}

/// [`Logger::log_request_info`] on the installed logger.
#[track_caller]
pub fn log_request_info(
    method: &str,
    endpoint: &str,
    client_ip: Option<&str>,
    body_size: Option<usize>,
    body_preview: Option<&str>,
) {
    if let Some(logger) = crate::logger() {
        logger.log_request_info(method, endpoint, client_ip, body_size, body_preview);
    }
}

/// A handle that logs with an explicit request id (the seeds' `get_request_logger(id)`),
/// on the installed logger.
///
/// ```
/// let log = logcore::request_logger(logcore::RequestId::parse("req_12345").unwrap());
/// log.info("Processing user request");
/// log.warn(format_args!("retrying after {} ms", 250));
/// ```
pub fn request_logger(id: RequestId) -> RequestLogger {
    RequestLogger {
        logger: None,
        id,
        target: REQUEST_TARGET.to_owned(),
    }
}

/// Logs with a fixed request id; made by [`request_logger`] or [`Logger::request_logger`].
#[derive(Clone, Debug)]
pub struct RequestLogger {
    // None: the installed logger, looked up at each call.
    logger: Option<Logger>,
    id: RequestId,
    target: String,
}

impl RequestLogger {
    /// The request id.
    pub fn id(&self) -> RequestId {
        self.id
    }

    /// Logs under `target` instead of `request`.
    #[must_use]
    pub fn with_target(mut self, target: impl Into<String>) -> Self {
        self.target = target.into();
        self
    }

    /// Enters this request's scope on the current thread (so plain macros carry the id too).
    pub fn scope(&self) -> RequestScope {
        RequestScope::enter(self.id)
    }

    /// Logs `message` at `level`.
    #[track_caller]
    pub fn log(&self, level: Level, message: impl fmt::Display) {
        let site = Site::caller(&self.target);
        let logger = self.logger.as_ref().or_else(|| crate::logger());
        let Some(logger) = logger else {
            log::log!(target: &self.target, crate::level::to_log(level), request_id = self.id.as_str(); "{message}");
            return;
        };
        logger.dispatch(&Record {
            level,
            target: site.target,
            function: None,
            file: Some(site.file),
            line: Some(site.line),
            message: &message,
            fields: &(),
            details: &[],
            request_id: Some(self.id),
        });
    }

    /// Logs at TRACE.
    #[track_caller]
    pub fn trace(&self, message: impl fmt::Display) {
        self.log(Level::Trace, message)
    }

    /// Logs at DEBUG.
    #[track_caller]
    pub fn debug(&self, message: impl fmt::Display) {
        self.log(Level::Debug, message)
    }

    /// Logs at INFO.
    #[track_caller]
    pub fn info(&self, message: impl fmt::Display) {
        self.log(Level::Info, message)
    }

    /// Logs at WARNING.
    #[track_caller]
    pub fn warn(&self, message: impl fmt::Display) {
        self.log(Level::Warning, message)
    }

    /// Logs at ERROR.
    #[track_caller]
    pub fn error(&self, message: impl fmt::Display) {
        self.log(Level::Error, message)
    }

    /// Logs at CRITICAL.
    #[track_caller]
    pub fn critical(&self, message: impl fmt::Display) {
        self.log(Level::Critical, message)
    }
}

/// `backtrace:` and then the program's frames of `bt`, as detail lines.
pub(crate) fn backtrace_lines(bt: &Backtrace) -> Vec<String> {
    let mut lines = vec!["backtrace:".to_owned()];
    lines.extend(short_backtrace(bt));
    lines
}

/// The frames of `bt` that belong to the program, one line each: without the logger's and
/// the panic machinery's frames on top, and without the runtime's start-up frames below
/// (the same cut std makes for its short backtraces).
fn short_backtrace(bt: &Backtrace) -> Vec<String> {
    const OWN: [&str; 7] = [
        "std::backtrace::",
        "logcore::",
        "<logcore::",
        "__rustc::rust_begin_unwind",
        "rust_begin_unwind",
        "core::panicking::",
        "std::panicking::",
    ];
    let text = bt.to_string();
    // A frame is a numbered line (`  3: symbol`) and the `at file:line` lines under it.
    let mut frames: Vec<Vec<&str>> = Vec::new();
    for line in text.lines() {
        let numbered = line
            .trim_start()
            .split_once(": ")
            .is_some_and(|(n, _)| n.parse::<u32>().is_ok());
        match frames.last_mut() {
            Some(frame) if !numbered => frame.push(line),
            _ => frames.push(vec![line]),
        }
    }
    let symbol = |frame: &[&str]| frame[0].trim_start().split_once(": ").map_or("", |(_, s)| s).to_owned();
    let start = frames
        .iter()
        .rposition(|f| symbol(f).contains("__rust_end_short_backtrace"))
        .map_or(0, |i| i + 1);
    let start = (start..frames.len())
        .find(|&i| !OWN.iter().any(|own| symbol(&frames[i]).starts_with(own)))
        .unwrap_or(start);
    let end = (start..frames.len())
        .find(|&i| symbol(&frames[i]).contains("__rust_begin_short_backtrace"))
        .unwrap_or(frames.len());
    frames[start..end].iter().flatten().map(|l| (*l).to_owned()).collect()
}

/// What the macros call; not part of the public API.
#[doc(hidden)]
pub fn __log_error(
    site: Site<'_>,
    context: Option<&dyn fmt::Display>,
    err: &(dyn StdError + 'static),
    backtrace: Option<&Backtrace>,
) {
    match crate::logger() {
        Some(logger) => logger.log_error_at(site, context, err, backtrace),
        None => match context {
            Some(context) => log::error!(target: site.target, "{context}: {err}"),
            None => log::error!(target: site.target, "{err}"),
        },
    }
}
