//! The `[file]` section of the configuration file: one daily file by default, or several files
//! that route targets apart (`[file.files.NAME]`), each with its own level.

use std::path::PathBuf;

use logcore::{Config, ConfigError, ConfigSection, Format, LevelFilter, LoggerBuilder, SinkOptions};

use crate::{FileError, FileSink, FileSinkBuilder};

/// The name of the configuration section; pass it to `ConfigLoader::section`.
pub const SECTION: &str = "file";

/// A file sink built from the configuration, with the name and filter to register it under.
#[derive(Debug)]
pub struct ConfiguredSink {
    /// `file` for the single default file, `file:NAME` for `[file.files.NAME]`.
    pub name: String,
    /// The sink.
    pub sink: FileSink,
    /// Its level and target filter.
    pub options: SinkOptions,
}

/// The settings one file can have; those of `[file]` are the defaults of `[file.files.*]`.
#[derive(Clone, Debug, Default)]
struct FileSettings {
    enabled: Option<bool>,
    dir: Option<PathBuf>,
    prefix: Option<String>,
    suffix: Option<String>,
    format: Option<Format>,
    level: Option<LevelFilter>,
    include: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
    max_size: Option<u64>,
    max_days: Option<usize>,
    max_files: Option<usize>,
    compress: Option<bool>,
    delay_compress: Option<bool>,
    mode: Option<u32>,
    retry_buffer_bytes: Option<usize>,
}

impl FileSettings {
    fn read(s: &ConfigSection<'_>) -> Result<Self, ConfigError> {
        let days = s.count("max_days")?;
        if let Some(d) = days.filter(|&d| d > u32::MAX as usize) {
            return Err(s.bad_value("max_days", &d.to_string(), "a number of days up to 4294967295"));
        }
        Ok(FileSettings {
            enabled: s.bool("enabled")?,
            dir: s.string("dir")?.map(PathBuf::from),
            prefix: s.string("prefix")?,
            suffix: s.string("suffix")?,
            format: s.parsed("format")?,
            level: s.parsed("level")?,
            include: s.strings("include")?,
            exclude: s.strings("exclude")?,
            max_size: s.size("max_size")?,
            max_days: days,
            max_files: s.count("max_files")?,
            compress: s.bool("compress")?,
            delay_compress: s.bool("delay_compress")?,
            mode: s.value("mode", parse_mode)?,
            retry_buffer_bytes: s.count("retry_buffer_bytes")?,
        })
    }

    /// These settings, with `defaults` where they have none.
    fn or(self, defaults: &FileSettings) -> FileSettings {
        let d = defaults.clone();
        FileSettings {
            enabled: self.enabled.or(d.enabled),
            dir: self.dir.or(d.dir),
            prefix: self.prefix.or(d.prefix),
            suffix: self.suffix.or(d.suffix),
            format: self.format.or(d.format),
            level: self.level.or(d.level),
            include: self.include.or(d.include),
            exclude: self.exclude.or(d.exclude),
            max_size: self.max_size.or(d.max_size),
            max_days: self.max_days.or(d.max_days),
            max_files: self.max_files.or(d.max_files),
            compress: self.compress.or(d.compress),
            delay_compress: self.delay_compress.or(d.delay_compress),
            mode: self.mode.or(d.mode),
            retry_buffer_bytes: self.retry_buffer_bytes.or(d.retry_buffer_bytes),
        }
    }
}

/// `"0640"`: octal permission bits, as a string so that TOML does not read it as decimal.
fn parse_mode(v: &toml::Value) -> Result<u32, String> {
    const EXPECTED: &str = "octal permission bits as a string, such as \"0640\"";
    let text = v.as_str().ok_or(EXPECTED)?;
    u32::from_str_radix(text.trim_start_matches("0o"), 8)
        .ok()
        .filter(|m| *m <= 0o777)
        .ok_or_else(|| EXPECTED.to_owned())
}

/// Builds the file sinks `config` describes: by default one daily file in `config.log_dir`;
/// with `[file.files.NAME]` tables, one file per table. `[file] enabled = false` builds none.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let config = logcore::Config::from_toml_str(&format!(r#"
///     log_dir = "{}"
///     timezone = "utc"
/// "#, dir.path().display()))?;
/// let sinks = logsink_file::sinks_from_config(&config)?;
/// assert_eq!(sinks.len(), 1);
/// assert_eq!(sinks[0].name, "file");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sinks_from_config(config: &Config) -> Result<Vec<ConfiguredSink>, FileError> {
    let zone = config.timezone.zone().map_err(|reason| logcore::Error::TimeZone {
        name: config.timezone.to_string(),
        reason,
    })?;
    let mut sinks: Vec<ConfiguredSink> = Vec::new();
    let mut names_taken: Vec<(PathBuf, String, String)> = Vec::new();
    for wanted in wanted_files(config)? {
        let s = &wanted.settings;
        let dir = s.dir.clone().unwrap_or_else(|| config.log_dir.clone());
        let prefix = s.prefix.clone().unwrap_or_else(|| crate::DEFAULT_PREFIX.to_owned());
        let suffix = s.suffix.clone().unwrap_or_else(|| crate::DEFAULT_SUFFIX.to_owned());
        let taken = (dir, prefix, suffix);
        if names_taken.contains(&taken) {
            return Err(FileError::Config(ConfigError::BadValue {
                origin: config
                    .section_reader(SECTION)
                    .map_or(logcore::Origin::Text, |s| s.origin().clone()),
                key: format!("{}.prefix", wanted.path),
                value: format!("{:?}", taken.1),
                expected: "a prefix (or suffix, or dir) that no other file of [file.files] uses".to_owned(),
            }));
        }
        sinks.push(build_file(config, &zone, wanted.name, wanted.settings, &taken)?);
        names_taken.push(taken);
    }
    Ok(sinks)
}

/// One file the configuration asks for.
struct Wanted {
    /// The sink's name: `file` or `file:NAME`.
    name: String,
    settings: FileSettings,
    /// Its table's path, for error messages.
    path: String,
}

/// The files of the `[file]` section, each with `[file]`'s keys as its defaults; none when
/// it says `enabled = false`.
fn wanted_files(config: &Config) -> Result<Vec<Wanted>, ConfigError> {
    let Some(section) = config.section_reader(SECTION) else {
        return Ok(vec![Wanted {
            name: SECTION.to_owned(),
            settings: FileSettings::default(),
            path: SECTION.to_owned(),
        }]);
    };
    let defaults = FileSettings::read(&section)?;
    let mut files = Vec::new();
    if let Some(table) = section.table("files")? {
        for (name, file) in table.tables()? {
            let own = FileSettings::read(&file)?;
            file.finish()?;
            // A named file is NAME_YYYY-MM-DD.txt unless it gives its own prefix.
            let prefix = own.prefix.clone().unwrap_or_else(|| format!("{name}_"));
            let mut settings = own.or(&defaults);
            settings.prefix = Some(prefix);
            files.push(Wanted {
                name: format!("{SECTION}:{name}"),
                settings,
                path: file.path().to_owned(),
            });
        }
    }
    section.finish()?;
    if defaults.enabled == Some(false) {
        return Ok(Vec::new());
    }
    if files.is_empty() {
        files.push(Wanted {
            name: SECTION.to_owned(),
            settings: defaults,
            path: SECTION.to_owned(),
        });
    }
    files.retain(|f| f.settings.enabled != Some(false));
    Ok(files)
}

fn build_file(
    config: &Config,
    zone: &logcore::Zone,
    name: String,
    s: FileSettings,
    (dir, prefix, suffix): &(PathBuf, String, String),
) -> Result<ConfiguredSink, FileError> {
    let mut builder: FileSinkBuilder = FileSink::builder(dir)
        .name(name.clone())
        .prefix(prefix)
        .suffix(suffix)
        .format(s.format.unwrap_or(Format::Pipe))
        .zone(zone.clone())
        .precision(config.precision)
        .max_size(s.max_size)
        .max_days(match s.max_days {
            None => Some(crate::DEFAULT_MAX_DAYS),
            Some(days) => u32::try_from(days).ok(),
        })
        .max_files(s.max_files)
        .compress(s.compress.unwrap_or(false))
        .delay_compress(s.delay_compress.unwrap_or(true))
        .queue(config.queue.builder(&name));
    if let Some(mode) = s.mode {
        builder = builder.mode(mode);
    }
    if let Some(bytes) = s.retry_buffer_bytes {
        builder = builder.retry_buffer(bytes);
    }
    let mut options = SinkOptions::default().level(s.level.unwrap_or(LevelFilter::TRACE));
    for prefix in s.include.unwrap_or_default() {
        options = options.include(prefix);
    }
    for prefix in s.exclude.unwrap_or_default() {
        options = options.exclude(prefix);
    }
    Ok(ConfiguredSink {
        name,
        sink: builder.build()?,
        options,
    })
}

/// Adds the file sinks `config` describes to `builder` (see [`sinks_from_config`]).
///
/// ```no_run
/// let config = logcore::ConfigLoader::new().optional_file("logging.toml").section("file").load()?;
/// let builder = logcore::LoggerBuilder::new(config.clone());
/// let _guard = logsink_file::add_to(builder, &config)?.install()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn add_to(mut builder: LoggerBuilder, config: &Config) -> Result<LoggerBuilder, FileError> {
    for configured in sinks_from_config(config)? {
        builder = builder.sink(configured.name, configured.sink, configured.options);
    }
    Ok(builder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_are_octal_strings() {
        assert_eq!(parse_mode(&toml::Value::String("0640".into())), Ok(0o640));
        assert_eq!(parse_mode(&toml::Value::String("600".into())), Ok(0o600));
        assert!(parse_mode(&toml::Value::String("0980".into())).is_err());
        assert!(parse_mode(&toml::Value::Integer(640)).is_err());
    }
}
