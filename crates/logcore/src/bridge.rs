//! From the `log` crate's records to the logger's: the reserved key-values the macros add
//! (function name, CRITICAL), `log`'s key-values as fields with their types kept, and the
//! `log::Log` implementation.

use logfmt::{Fields, Level};

use crate::Logger;
use crate::logger::Record;

/// The key-value under which the macros pass the calling function's path (also used by
/// `perfmon`, which writes records through `log` directly).
pub const FUNCTION_KEY: &str = "logcore.function";
/// The key-value under which `critical!` marks a record as CRITICAL.
pub(crate) const CRITICAL_KEY: &str = "logcore.critical";

/// The reserved key-values the macros put first, read before the record is dispatched.
#[derive(Default)]
struct Reserved<'kvs> {
    function: Option<&'kvs str>,
    critical: bool,
}

impl<'kvs> log::kv::VisitSource<'kvs> for Reserved<'kvs> {
    fn visit_pair(&mut self, key: log::kv::Key<'kvs>, value: log::kv::Value<'kvs>) -> Result<(), log::kv::Error> {
        match key.as_str() {
            FUNCTION_KEY => self.function = value.to_borrowed_str(),
            CRITICAL_KEY => self.critical = value.to_bool() == Some(true),
            // Reserved keys come first: stop at the first of the caller's own.
            _ => return Err(log::kv::Error::msg("end of reserved keys")),
        }
        Ok(())
    }
}

/// A record's `log` key-values as fields, without the reserved ones.
struct KvFields<'a>(&'a dyn log::kv::Source);

impl Fields for KvFields<'_> {
    fn visit(&self, visit: &mut dyn FnMut(&str, logfmt::Value<'_>)) {
        struct Visitor<'f>(&'f mut dyn FnMut(&str, logfmt::Value<'_>));
        impl<'kvs> log::kv::VisitSource<'kvs> for Visitor<'_> {
            fn visit_pair(
                &mut self,
                key: log::kv::Key<'kvs>,
                value: log::kv::Value<'kvs>,
            ) -> Result<(), log::kv::Error> {
                let key = key.as_str();
                if !key.starts_with("logcore.") {
                    (self.0)(key, convert(&value));
                }
                Ok(())
            }
        }
        let _ = self.0.visit(&mut Visitor(visit));
    }
}

/// Keeps numbers numbers and booleans booleans, so JSON output keeps their types.
fn convert<'v>(value: &'v log::kv::Value<'_>) -> logfmt::Value<'v> {
    if let Some(v) = value.to_u64() {
        logfmt::Value::U64(v)
    } else if let Some(v) = value.to_i64() {
        logfmt::Value::I64(v)
    } else if let Some(v) = value.to_f64() {
        logfmt::Value::F64(v)
    } else if let Some(v) = value.to_bool() {
        logfmt::Value::Bool(v)
    } else if let Some(v) = value.to_borrowed_str() {
        logfmt::Value::Str(v)
    } else {
        logfmt::Value::Display(value)
    }
}

/// `crate::module::function::__f` (what the macros capture) to `function`; closures and
/// async blocks report the function they are in.
pub(crate) fn short_function_name(path: &str) -> &str {
    let mut path = path.strip_suffix("::__f").unwrap_or(path);
    while let Some(outer) = path.strip_suffix("::{{closure}}") {
        path = outer;
    }
    // A byte scan: `rsplit("::")` sets up a two-way string search on every log call.
    let bytes = path.as_bytes();
    let mut i = bytes.len();
    while i >= 2 {
        if bytes[i - 1] == b':' && bytes[i - 2] == b':' {
            return &path[i..];
        }
        i -= 1;
    }
    path
}

impl log::Log for Logger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        Logger::enabled(self, crate::level::from_log(metadata.level()), metadata.target())
    }

    fn log(&self, record: &log::Record<'_>) {
        let kvs = record.key_values();
        let mut reserved = Reserved::default();
        if kvs.count() > 0 {
            let _ = kvs.visit(&mut reserved);
        }
        let level = if reserved.critical {
            Level::Critical
        } else {
            crate::level::from_log(record.level())
        };
        self.dispatch(&Record {
            level,
            target: record.target(),
            function: reserved.function.map(short_function_name),
            file: record.file(),
            line: record.line(),
            message: record.args(),
            fields: &KvFields(kvs),
            details: &[],
            request_id: None,
        });
    }

    fn flush(&self) {
        self.flush_timeout(self.inner.shutdown_timeout);
    }
}

#[cfg(test)]
mod tests {
    use super::short_function_name;

    #[test]
    fn function_names_are_shortened() {
        assert_eq!(short_function_name("app::main::create_app::__f"), "create_app");
        assert_eq!(
            short_function_name("app::handler::{{closure}}::{{closure}}::__f"),
            "handler"
        );
        assert_eq!(short_function_name("app::<impl app::Engine>::step::__f"), "step");
        assert_eq!(short_function_name("plain"), "plain");
        for odd in ["a:::b", "::x", ":x", "a::", "", ":"] {
            assert_eq!(short_function_name(odd), odd.rsplit("::").next().unwrap(), "{odd:?}");
        }
    }
}
