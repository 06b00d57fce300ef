//! `trace! debug! info! warn! error! critical!` and `log_error!`.
//!
//! They wrap `log`'s macros and accept the same forms (`target:`, key-values before `;`),
//! adding the enclosing function's name and, for `critical!`, the CRITICAL level that `log`
//! lacks. Both travel as reserved key-values that the logger reads and removes, so any other
//! `log` logger still sees an ordinary record (CRITICAL as ERROR).

/// The path of the enclosing function (`crate::module::function::__f`); the logger keeps the
/// last meaningful segment.
#[doc(hidden)]
#[macro_export]
macro_rules! __function {
    () => {{
        fn __f() {}
        fn __type_name_of<T>(_: T) -> &'static str {
            ::core::any::type_name::<T>()
        }
        __type_name_of(__f)
    }};
}

#[doc(hidden)]
#[macro_export]
macro_rules! __log {
    ($lvl:expr, [$($extra:tt)*], target: $target:expr, $($key:tt $(:$capture:tt)? $(= $value:expr)?),+ ; $($arg:tt)+) => {
        $crate::__private::log::log!(target: $target, $lvl, "logcore.function" = $crate::__function!() $($extra)*, $($key $(:$capture)? $(= $value)?),+ ; $($arg)+)
    };
    ($lvl:expr, [$($extra:tt)*], target: $target:expr, $($arg:tt)+) => {
        $crate::__private::log::log!(target: $target, $lvl, "logcore.function" = $crate::__function!() $($extra)* ; $($arg)+)
    };
    ($lvl:expr, [$($extra:tt)*], $($key:tt $(:$capture:tt)? $(= $value:expr)?),+ ; $($arg:tt)+) => {
        $crate::__log!($lvl, [$($extra)*], target: ::core::module_path!(), $($key $(:$capture)? $(= $value)?),+ ; $($arg)+)
    };
    ($lvl:expr, [$($extra:tt)*], $($arg:tt)+) => {
        $crate::__log!($lvl, [$($extra)*], target: ::core::module_path!(), $($arg)+)
    };
}

/// Logs at TRACE. Same forms as `log::trace!`.
#[macro_export]
macro_rules! trace {
    ($($arg:tt)+) => { $crate::__log!($crate::__private::log::Level::Trace, [], $($arg)+) };
}

/// Logs at DEBUG. Same forms as `log::debug!`.
#[macro_export]
macro_rules! debug {
    ($($arg:tt)+) => { $crate::__log!($crate::__private::log::Level::Debug, [], $($arg)+) };
}

/// Logs at INFO. Same forms as `log::info!`.
///
/// ```
/// logcore::info!("VLLM Server starting up");
/// logcore::info!(target: "app.main", "listening on {}:{}", "127.0.0.1", 8000);
/// logcore::info!(prompt_tokens = 100, model = "synthetic"; "generation done in {} ms", 1850);
/// ```
#[macro_export]
macro_rules! info {
    ($($arg:tt)+) => { $crate::__log!($crate::__private::log::Level::Info, [], $($arg)+) };
}

/// Logs at WARNING. Same forms as `log::warn!`.
#[macro_export]
macro_rules! warn {
    ($($arg:tt)+) => { $crate::__log!($crate::__private::log::Level::Warn, [], $($arg)+) };
}

/// Logs at ERROR. Same forms as `log::error!`.
#[macro_export]
macro_rules! error {
    ($($arg:tt)+) => { $crate::__log!($crate::__private::log::Level::Error, [], $($arg)+) };
}

/// Logs at CRITICAL: the server cannot continue as it is. Other `log` loggers see ERROR.
///
/// ```
/// logcore::critical!("GPU {} lost; refusing new requests", 0);
/// ```
#[macro_export]
macro_rules! critical {
    ($($arg:tt)+) => {
        $crate::__log!($crate::__private::log::Level::Error, [, "logcore.critical" = true], $($arg)+)
    };
}

/// Logs an error at ERROR with its whole source chain (the seeds' `log_exception`); see
/// [`Logger::log_error_at`](crate::Logger) for what is written. The error is a
/// `&dyn Error` (`&err`, or `&*boxed`); a format string after it gives context.
///
/// ```
/// use std::io;
/// let err = io::Error::other("connection reset");
/// logcore::log_error!(&err);
/// logcore::log_error!(&err, "Text generation failed after {} attempts", 3);
/// let bt = std::backtrace::Backtrace::capture();
/// logcore::log_error!(target: "app.engine", backtrace: &bt, &err, "step failed");
/// ```
#[macro_export]
macro_rules! log_error {
    (target: $target:expr, backtrace: $bt:expr, $err:expr $(, $($arg:tt)+)?) => {
        $crate::__log_error!($target, ::core::option::Option::Some($bt), $err $(, $($arg)+)?)
    };
    (target: $target:expr, $err:expr $(, $($arg:tt)+)?) => {
        $crate::__log_error!($target, ::core::option::Option::None, $err $(, $($arg)+)?)
    };
    (backtrace: $bt:expr, $err:expr $(, $($arg:tt)+)?) => {
        $crate::__log_error!(::core::module_path!(), ::core::option::Option::Some($bt), $err $(, $($arg)+)?)
    };
    ($err:expr $(, $($arg:tt)+)?) => {
        $crate::__log_error!(::core::module_path!(), ::core::option::Option::None, $err $(, $($arg)+)?)
    };
}

/// `log_error!` with every part spelled out: target, optional backtrace, error, context.
#[doc(hidden)]
#[macro_export]
macro_rules! __log_error {
    ($target:expr, $bt:expr, $err:expr $(, $($arg:tt)+)?) => {
        $crate::__private::log_error(
            $crate::__private::Site {
                target: $target,
                function: ::core::option::Option::Some($crate::__function!()),
                file: ::core::file!(),
                line: ::core::line!(),
            },
            $crate::__log_error_context!($($($arg)+)?),
            $err,
            $bt,
        )
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __log_error_context {
    () => {
        ::core::option::Option::None
    };
    ($($arg:tt)+) => {
        ::core::option::Option::Some(&::core::format_args!($($arg)+) as &dyn ::core::fmt::Display)
    };
}
