//! File names: `{prefix}{YYYY-MM-DD}{suffix}`, `{prefix}{YYYY-MM-DD}.{N}{suffix}` for the N-th
//! size rotation of a day, and either with `.gz` once compressed; and reading them back.

use std::fs;
use std::io;
use std::path::Path;

use logcore::Day;

/// The suffix of a compressed file.
pub(crate) const GZ: &str = ".gz";
/// The suffix of a compressed file being written (removed if a crash leaves it).
pub(crate) const GZ_TMP: &str = ".gz.tmp";

/// A calendar date, ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Date {
    pub(crate) year: i32,
    pub(crate) month: u8,
    pub(crate) day: u8,
}

impl Date {
    pub(crate) fn of(day: &Day) -> Self {
        Date {
            year: day.year,
            month: day.month,
            day: day.day,
        }
    }

    /// Days since 1970-01-01 (proleptic Gregorian calendar).
    pub(crate) fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// One of a sink's files, as its name reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LogFile {
    pub(crate) name: String,
    pub(crate) date: Date,
    /// 0 for the day's first file, N for `.N`.
    pub(crate) index: u32,
    pub(crate) compressed: bool,
}

impl LogFile {
    /// Oldest first: by date, then by index.
    pub(crate) fn order(&self) -> (Date, u32) {
        (self.date, self.index)
    }
}

/// How a sink names its files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Naming {
    pub(crate) prefix: String,
    pub(crate) suffix: String,
}

impl Naming {
    /// The plain name of `date`'s file number `index`.
    pub(crate) fn name(&self, date: Date, index: u32) -> String {
        if index == 0 {
            format!("{}{date}{}", self.prefix, self.suffix)
        } else {
            format!("{}{date}.{index}{}", self.prefix, self.suffix)
        }
    }

    /// Reads a name this sink could have written; `None` for any other file.
    pub(crate) fn parse(&self, name: &str) -> Option<LogFile> {
        let (plain, compressed) = match name.strip_suffix(GZ) {
            Some(plain) => (plain, true),
            None => (name, false),
        };
        let rest = plain.strip_prefix(&self.prefix)?.strip_suffix(&self.suffix)?;
        let (date, index) = match rest.split_once('.') {
            Some((date, index)) => {
                let valid = !index.is_empty() && !index.starts_with('0') && index.bytes().all(|b| b.is_ascii_digit());
                (date, if valid { index.parse().ok()? } else { return None })
            }
            None => (rest, 0),
        };
        Some(LogFile {
            name: name.to_owned(),
            date: parse_date(date)?,
            index,
            compressed,
        })
    }

    /// This sink's files in `dir`, oldest first.
    pub(crate) fn list(&self, dir: &Path) -> io::Result<Vec<LogFile>> {
        let mut files: Vec<LogFile> = fs::read_dir(dir)?
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| self.parse(e.file_name().to_str()?))
            .collect();
        files.sort_by(|a, b| a.order().cmp(&b.order()).then(a.compressed.cmp(&b.compressed)));
        Ok(files)
    }

    /// Leftover temporary files of an interrupted compression, by name.
    pub(crate) fn stale_temporaries(&self, dir: &Path) -> io::Result<Vec<String>> {
        Ok(fs::read_dir(dir)?
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.strip_suffix(GZ_TMP).is_some_and(|plain| self.parse(plain).is_some()))
            .collect())
    }
}

fn parse_date(text: &str) -> Option<Date> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r.clone())?
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| text[r].parse().ok())?
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    ((1..=12).contains(&month) && (1..=31).contains(&day)).then_some(Date {
        year: year as i32,
        month: month as u8,
        day: day as u8,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naming() -> Naming {
        Naming {
            prefix: "logging_vllmserver_".into(),
            suffix: ".txt".into(),
        }
    }

    const JAN19: Date = Date {
        year: 2025,
        month: 1,
        day: 19,
    };

    #[test]
    fn names_read_back() {
        let n = naming();
        assert_eq!(n.name(JAN19, 0), "logging_vllmserver_2025-01-19.txt");
        assert_eq!(n.name(JAN19, 2), "logging_vllmserver_2025-01-19.2.txt");
        for (name, index, compressed) in [
            ("logging_vllmserver_2025-01-19.txt", 0, false),
            ("logging_vllmserver_2025-01-19.12.txt", 12, false),
            ("logging_vllmserver_2025-01-19.txt.gz", 0, true),
            ("logging_vllmserver_2025-01-19.3.txt.gz", 3, true),
        ] {
            let f = n.parse(name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!((f.date, f.index, f.compressed), (JAN19, index, compressed), "{name}");
        }
    }

    #[test]
    fn other_names_are_not_ours() {
        let n = naming();
        for name in [
            "logging_vllmserver_2025-01-19.log",
            "other_2025-01-19.txt",
            "logging_vllmserver_2025-1-19.txt",
            "logging_vllmserver_2025-13-19.txt",
            "logging_vllmserver_2025-01-19.01.txt",
            "logging_vllmserver_2025-01-19..txt",
            "logging_vllmserver_2025-01-19.txt.gz.tmp",
            "logging_vllmserver_2025-01-19.x.txt",
        ] {
            assert_eq!(n.parse(name), None, "{name}");
        }
    }

    #[test]
    fn days_since_epoch_counts_calendar_days() {
        let d = |year, month, day| Date { year, month, day }.days_since_epoch();
        assert_eq!(d(1970, 1, 1), 0);
        assert_eq!(d(2025, 1, 19), 20_107);
        assert_eq!(d(2024, 3, 1) - d(2024, 2, 28), 2);
        assert_eq!(d(2025, 3, 1) - d(2025, 2, 28), 1);
    }
}
