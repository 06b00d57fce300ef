//! Building a logger from a [`Config`], installing it as the process's `log` logger, and the
//! free functions that act on the installed one.

use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::Clock;
use crate::console::queue_builder;
use crate::{Config, ConsoleSink, Error, LevelFilter, Logger, Sink, SinkOptions, Stats};

/// The name the console sink is registered under.
pub const CONSOLE_SINK: &str = "console";

static GLOBAL: OnceLock<Logger> = OnceLock::new();

/// Builds a [`Logger`] from a [`Config`], with extra sinks and an optional clock.
///
/// ```
/// use logcore::{Config, LoggerBuilder, MemorySink, SinkOptions};
/// let memory = MemorySink::new();
/// let mut config = Config::default();
/// config.console.enabled = false;
/// let logger = LoggerBuilder::new(config)
///     .sink("memory", memory.clone(), SinkOptions::default())
///     .build()
///     .unwrap();
/// assert_eq!(logger.sink_names(), ["memory"]);
/// ```
pub struct LoggerBuilder {
    config: Config,
    sinks: Vec<(String, Box<dyn Sink>, SinkOptions)>,
    clock: Option<Arc<dyn Clock>>,
}

impl std::fmt::Debug for LoggerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoggerBuilder")
            .field("config", &self.config)
            .field("sinks", &self.sinks.iter().map(|s| &s.0).collect::<Vec<_>>())
            .finish()
    }
}

impl LoggerBuilder {
    /// A builder for `config`; the console sink is made from `config.console`.
    pub fn new(config: Config) -> Self {
        LoggerBuilder {
            config,
            sinks: Vec::new(),
            clock: None,
        }
    }

    /// Adds a sink (after the console sink, in this order).
    #[must_use]
    pub fn sink(mut self, name: impl Into<String>, sink: impl Sink, options: SinkOptions) -> Self {
        self.sinks.push((name.into(), Box::new(sink), options));
        self
    }

    /// Takes timestamps from `clock` instead of the system clock.
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Checks the configuration, starts the sinks' workers and returns the logger (not
    /// installed).
    pub fn build(self) -> Result<Logger, Error> {
        let config = self.config;
        let zone = config.timezone.zone().map_err(|reason| Error::TimeZone {
            name: config.timezone.to_string(),
            reason,
        })?;
        let mut logger = Logger::new(config.level, config.targets.clone(), self.clock);
        let inner = logger.inner_mut();
        inner.log_body.store(config.request.log_body, Ordering::Relaxed);
        inner
            .max_body_chars
            .store(config.request.max_body_chars.unwrap_or(usize::MAX), Ordering::Relaxed);
        inner.shutdown_timeout = config.queue.shutdown_timeout;
        inner.queue_builder = queue_builder(&config.queue, crate::logger::WORKER_THREAD);
        inner.panic_hook = config.panic_hook;
        if config.console.enabled {
            let console = ConsoleSink::builder()
                .stream(config.console.stream)
                .format(config.console.format)
                .color(config.console.color)
                .no_color(config.no_color)
                .zone(zone)
                .precision(config.precision)
                .queue(queue_builder(&config.queue, "logcore-console"))
                .build()
                .map_err(|source| Error::Spawn {
                    sink: CONSOLE_SINK.to_owned(),
                    source,
                })?;
            logger.add_sink(
                CONSOLE_SINK,
                console,
                SinkOptions::default().level(config.console.level),
            )?;
        }
        for (name, sink, options) in self.sinks {
            logger.add_boxed_sink(&name, sink, options)?;
        }
        Ok(logger)
    }

    /// Builds the logger and installs it for the whole process.
    pub fn install(self) -> Result<LoggerGuard, Error> {
        self.build()?.install()
    }
}

impl Logger {
    /// Makes this logger the process's `log` logger (once per process) and, unless the
    /// configuration said otherwise, sets the panic hook.
    pub fn install(self) -> Result<LoggerGuard, Error> {
        if GLOBAL.get().is_some() {
            return Err(Error::AlreadyInstalled);
        }
        if log::set_boxed_logger(Box::new(self.clone())).is_err() {
            return Err(if GLOBAL.get().is_some() {
                Error::AlreadyInstalled
            } else {
                Error::OtherLoggerInstalled
            });
        }
        // `set_boxed_logger` succeeds once per process, so this `set` cannot fail.
        let _ = GLOBAL.set(self.clone());
        self.inner.installed.store(true, Ordering::Relaxed);
        self.update_max_level();
        if self.inner.panic_hook {
            crate::install_panic_hook();
        }
        Ok(LoggerGuard { logger: self })
    }
}

/// Keeps the installed logger's sinks running; dropping it drains and flushes them (each up
/// to the shutdown timeout). Records logged afterwards are still written, synchronously.
#[must_use = "dropping the guard drains the sinks at once; keep it until the program ends"]
#[derive(Debug)]
pub struct LoggerGuard {
    logger: Logger,
}

impl LoggerGuard {
    /// The installed logger.
    pub fn logger(&self) -> &Logger {
        &self.logger
    }
}

impl Drop for LoggerGuard {
    fn drop(&mut self) {
        self.logger.shutdown();
    }
}

/// Installs a logger built from `config` (see [`LoggerBuilder`] for extra sinks).
///
/// ```no_run
/// let _guard = logcore::install(logcore::Config::from_env()?)?;
/// logcore::info!("VLLM Server starting up");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn install(config: Config) -> Result<LoggerGuard, Error> {
    LoggerBuilder::new(config).install()
}

/// The installed logger, if any.
pub fn logger() -> Option<&'static Logger> {
    GLOBAL.get()
}

fn installed() -> Result<&'static Logger, Error> {
    logger().ok_or(Error::NotInstalled)
}

/// Changes the installed logger's global level.
pub fn set_level(level: LevelFilter) -> Result<(), Error> {
    installed().map(|l| l.set_level(level))
}

/// Changes the installed logger's console level.
pub fn set_console_level(level: LevelFilter) -> Result<(), Error> {
    installed()?.set_console_level(level)
}

/// Changes the level of the installed logger's sink called `name`.
pub fn set_sink_level(name: &str, level: LevelFilter) -> Result<(), Error> {
    installed()?.set_sink_level(name, level)
}

/// Sets the level of one target (and those under it) on the installed logger.
pub fn set_target_level(target: &str, level: LevelFilter) -> Result<(), Error> {
    installed().map(|l| l.set_target_level(target, level))
}

/// Adds a sink to the installed logger at run time (the seeds' `add_remote_logging_handler`).
pub fn add_sink(name: &str, sink: impl Sink, options: SinkOptions) -> Result<(), Error> {
    installed()?.add_sink(name, sink, options)
}

/// Removes a sink from the installed logger, draining it first.
pub fn remove_sink(name: &str) -> Result<(), Error> {
    installed()?.remove_sink(name)
}

/// The installed logger's stats (the seeds' `get_logging_stats()`).
pub fn stats() -> Option<Stats> {
    logger().map(Logger::stats)
}

/// Waits until the installed logger's sinks have written everything so far (5 s at most
/// each); returns whether they did. Returns `true` when nothing is installed.
pub fn flush() -> bool {
    logger().is_none_or(|l| l.flush_timeout(Duration::from_secs(5)))
}

/// Drains and stops the installed logger's sinks, for programs that leave through
/// `std::process::exit` and so never drop the guard.
pub fn shutdown() -> bool {
    logger().is_none_or(Logger::shutdown)
}

/// Asks the installed logger's sinks to reopen their files.
pub fn reopen() {
    if let Some(l) = logger() {
        l.reopen();
    }
}
