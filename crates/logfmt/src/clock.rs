//! Timestamps, time zones and the per-second cache of timestamp text.
//!
//! The `time` crate cannot read the local UTC offset once a process has several threads, and a
//! fixed offset read at start-up is wrong after a daylight-saving change. A [`Zone`] instead
//! holds a real time-zone rule set (through `jiff`) and asks it for the offset of each second
//! it formats; the calendar arithmetic is `time`'s. Because a log line's date and time only
//! change once a second, [`TimeCache`] keeps the text of the last second per zone and formatting
//! a timestamp is then a copy of 19 bytes plus the sub-second digits.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// An instant, as seconds and nanoseconds since the Unix epoch (UTC).
///
/// ```
/// use logfmt::Timestamp;
/// let t = Timestamp::new(1_737_297_015, 123_456_789);
/// assert_eq!(t.unix_seconds(), 1_737_297_015);
/// assert_eq!(t.subsec_nanos(), 123_456_789);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    secs: i64,
    nanos: u32,
}

impl Timestamp {
    /// A timestamp from whole seconds and nanoseconds (nanoseconds beyond one second carry).
    pub const fn new(secs: i64, nanos: u32) -> Self {
        Timestamp {
            secs: secs + (nanos / 1_000_000_000) as i64,
            nanos: nanos % 1_000_000_000,
        }
    }

    /// The current time from the system clock.
    pub fn now() -> Self {
        Self::from(SystemTime::now())
    }

    /// Whole seconds since the Unix epoch.
    pub const fn unix_seconds(self) -> i64 {
        self.secs
    }

    /// Nanoseconds past the whole second.
    pub const fn subsec_nanos(self) -> u32 {
        self.nanos
    }

    /// Nanoseconds since the Unix epoch (the form OTLP and Loki use).
    pub const fn unix_nanos(self) -> i128 {
        self.secs as i128 * 1_000_000_000 + self.nanos as i128
    }
}

impl std::ops::Add<Duration> for Timestamp {
    type Output = Timestamp;

    /// This timestamp moved forward by `d`.
    fn add(self, d: Duration) -> Timestamp {
        let nanos = self.nanos as u64 + d.subsec_nanos() as u64;
        Timestamp {
            secs: self.secs + d.as_secs() as i64 + (nanos / 1_000_000_000) as i64,
            nanos: (nanos % 1_000_000_000) as u32,
        }
    }
}

impl From<SystemTime> for Timestamp {
    fn from(t: SystemTime) -> Self {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => Timestamp::new(d.as_secs() as i64, d.subsec_nanos()),
            Err(before) => {
                let d = before.duration();
                let (secs, nanos) = (d.as_secs() as i64, d.subsec_nanos());
                if nanos == 0 {
                    Timestamp::new(-secs, 0)
                } else {
                    Timestamp::new(-secs - 1, 1_000_000_000 - nanos)
                }
            }
        }
    }
}

/// How many digits of the second a text timestamp shows.
///
/// ```
/// use logfmt::Precision;
/// assert_eq!("ms".parse::<Precision>(), Ok(Precision::Millis));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Precision {
    /// `2025-01-19 14:30:15` (the seeds' form; the default).
    #[default]
    Seconds,
    /// `2025-01-19 14:30:15.123`
    Millis,
    /// `2025-01-19 14:30:15.123456`
    Micros,
}

impl std::str::FromStr for Precision {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "s" | "sec" | "secs" | "second" | "seconds" => Ok(Precision::Seconds),
            "ms" | "milli" | "millis" | "milliseconds" => Ok(Precision::Millis),
            "us" | "µs" | "micro" | "micros" | "microseconds" => Ok(Precision::Micros),
            _ => Err("one of seconds, ms, us".to_owned()),
        }
    }
}

static NEXT_ZONE_ID: AtomicU64 = AtomicU64::new(1);

/// The time zone timestamps are written in: UTC, the system's local zone, or a named zone.
///
/// A zone answers the UTC offset for each instant, so local times stay right across
/// daylight-saving changes in a long-running process.
///
/// ```
/// use logfmt::{Timestamp, Zone};
/// let ny = Zone::posix("EST5EDT,M3.2.0,M11.1.0").unwrap();
/// // 2025-01-19 12:00 UTC is winter in New York (UTC-5); 2025-07-01 12:00 UTC is summer (UTC-4).
/// assert_eq!(ny.offset_seconds(Timestamp::new(1_737_288_000, 0)), -5 * 3600);
/// assert_eq!(ny.offset_seconds(Timestamp::new(1_751_371_200, 0)), -4 * 3600);
/// assert_eq!(Zone::utc().offset_seconds(Timestamp::now()), 0);
/// ```
#[derive(Clone)]
pub struct Zone {
    // Identifies the rule set for `TimeCache`; clones share it.
    id: u64,
    tz: jiff::tz::TimeZone,
    name: String,
}

impl Zone {
    /// Coordinated Universal Time.
    pub fn utc() -> Self {
        Zone {
            id: 0,
            tz: jiff::tz::TimeZone::UTC,
            name: "UTC".to_owned(),
        }
    }

    /// The system's zone (`TZ`, else `/etc/localtime`), or UTC when the system names none.
    pub fn local() -> Self {
        let tz = jiff::tz::TimeZone::system();
        let name = tz.iana_name().unwrap_or("local").to_owned();
        Self::with_tz(tz, name)
    }

    /// A zone from the IANA database by name, such as `America/New_York`.
    pub fn named(name: &str) -> Result<Self, String> {
        let tz = jiff::tz::TimeZone::get(name).map_err(|e| e.to_string())?;
        Ok(Self::with_tz(tz, name.to_owned()))
    }

    /// A zone from a POSIX `TZ` rule such as `EST5EDT,M3.2.0,M11.1.0`, which needs no database.
    pub fn posix(rule: &str) -> Result<Self, String> {
        let tz = jiff::tz::TimeZone::posix(rule).map_err(|e| e.to_string())?;
        Ok(Self::with_tz(tz, rule.to_owned()))
    }

    fn with_tz(tz: jiff::tz::TimeZone, name: String) -> Self {
        Zone {
            id: NEXT_ZONE_ID.fetch_add(1, Ordering::Relaxed),
            tz,
            name,
        }
    }

    /// The zone's name as given (`UTC`, an IANA name, a POSIX rule, or `local`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The offset from UTC, in seconds, in force at `at`.
    pub fn offset_seconds(&self, at: Timestamp) -> i32 {
        if self.id == 0 {
            return 0;
        }
        match jiff::Timestamp::from_second(at.unix_seconds()) {
            Ok(t) => self.tz.to_offset(t).seconds(),
            Err(_) => 0,
        }
    }

    /// The calendar date and time of `at` in this zone.
    pub fn civil(&self, at: Timestamp) -> Civil {
        Civil::at(at, self.offset_seconds(at))
    }

    /// The calendar day that contains `at` in this zone: its date and the instants where it
    /// starts and ends. A day is 23 or 25 hours long across a daylight-saving change, and
    /// starts at the first instant that exists when midnight itself is skipped.
    ///
    /// ```
    /// use logfmt::{Timestamp, Zone};
    /// let ny = Zone::posix("EST5EDT,M3.2.0,M11.1.0").unwrap();
    /// // 2025-03-09 in New York: clocks go from 02:00 to 03:00, so the day has 23 hours.
    /// let day = ny.day(Timestamp::new(1_741_514_400, 0)); // 2025-03-09 10:00 UTC
    /// assert_eq!((day.year, day.month, day.day), (2025, 3, 9));
    /// assert_eq!(day.start, 1_741_496_400); // 05:00 UTC = local midnight, still EST
    /// assert_eq!(day.end - day.start, 23 * 3600);
    /// ```
    pub fn day(&self, at: Timestamp) -> Day {
        let zoned = jiff::Timestamp::from_second(at.unix_seconds()).map(|t| t.to_zoned(self.tz.clone()));
        let span = zoned.and_then(|z| {
            let start = z.start_of_day()?;
            let end = start.tomorrow()?.start_of_day()?;
            Ok((z.date(), start.timestamp().as_second(), end.timestamp().as_second()))
        });
        match span {
            Ok((date, start, end)) => Day {
                year: i32::from(date.year()),
                month: date.month() as u8,
                day: date.day() as u8,
                start,
                end,
            },
            // Beyond the years the zone database covers: fall back to whole UTC days.
            Err(_) => {
                let start = at.unix_seconds().div_euclid(86_400) * 86_400;
                let civil = Civil::at(Timestamp::new(start, 0), 0);
                Day {
                    year: civil.year,
                    month: civil.month,
                    day: civil.day,
                    start,
                    end: start + 86_400,
                }
            }
        }
    }
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Zone").field(&self.name).finish()
    }
}

/// A calendar day in a zone, as [`Zone::day`] finds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Day {
    /// The calendar year.
    pub year: i32,
    /// The month, 1 to 12.
    pub month: u8,
    /// The day of the month, 1 to 31.
    pub day: u8,
    /// The first second of the day, in seconds since the Unix epoch.
    pub start: i64,
    /// The first second of the next day.
    pub end: i64,
}

impl Day {
    /// Whether `at` falls within the day.
    pub fn contains(&self, at: Timestamp) -> bool {
        (self.start..self.end).contains(&at.unix_seconds())
    }
}

impl fmt::Display for Day {
    /// `YYYY-MM-DD`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A date and time of day with its UTC offset: what a timestamp reads as on a wall clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    /// The calendar year.
    pub year: i32,
    /// The month, 1 to 12.
    pub month: u8,
    /// The day of the month, 1 to 31.
    pub day: u8,
    /// The hour, 0 to 23.
    pub hour: u8,
    /// The minute, 0 to 59.
    pub minute: u8,
    /// The second, 0 to 59.
    pub second: u8,
    /// The offset from UTC, in seconds.
    pub offset_seconds: i32,
}

impl Civil {
    /// The wall-clock reading of `at` at a UTC offset of `offset_seconds`.
    pub fn at(at: Timestamp, offset_seconds: i32) -> Self {
        let offset = time::UtcOffset::from_whole_seconds(offset_seconds).unwrap_or(time::UtcOffset::UTC);
        // Outside the years `time` supports (±9999), clamp rather than fail: a log line must
        // still be written.
        let secs = at.unix_seconds().clamp(-377_705_116_800, 253_402_300_799 - 86_400);
        let dt = time::OffsetDateTime::from_unix_timestamp(secs)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
            .to_offset(offset);
        Civil {
            year: dt.year(),
            month: dt.month() as u8,
            day: dt.day(),
            hour: dt.hour(),
            minute: dt.minute(),
            second: dt.second(),
            offset_seconds: offset.whole_seconds(),
        }
    }
}

/// What [`TimeCache`] keeps for one (zone, second): the date-time text and the offset text.
#[derive(Clone, Copy, Debug)]
struct CachedSecond {
    zone_id: u64,
    secs: i64,
    // "YYYY-MM-DD HH:MM:SS"
    date_time: [u8; 19],
    // "+HH:MM" or "Z"
    offset: [u8; 6],
    offset_len: u8,
}

/// The text of the last formatted second, per zone, so that most records copy it.
///
/// Keep one per thread (it is small) and pass it to [`Formatter::format`](crate::Formatter::format).
#[derive(Clone, Debug, Default)]
pub struct TimeCache {
    // Two slots: a thread often serves a local-time console and a UTC collector at once.
    slots: [Option<CachedSecond>; 2],
    next: usize,
}

impl TimeCache {
    /// An empty cache.
    pub const fn new() -> Self {
        TimeCache {
            slots: [None, None],
            next: 0,
        }
    }

    fn second(&mut self, zone: &Zone, at: Timestamp) -> &CachedSecond {
        let secs = at.unix_seconds();
        let hit = self
            .slots
            .iter()
            .position(|s| matches!(s, Some(c) if c.zone_id == zone.id && c.secs == secs));
        let index = match hit {
            Some(i) => i,
            None => {
                let i = self.next;
                self.next = (i + 1) % self.slots.len();
                self.slots[i] = Some(render_second(zone, at));
                i
            }
        };
        self.slots[index].as_ref().expect("slot was just filled")
    }

    /// Appends `YYYY-MM-DD HH:MM:SS` (with `separator` between date and time) and the
    /// sub-second digits `precision` asks for.
    pub fn write_date_time(
        &mut self,
        zone: &Zone,
        at: Timestamp,
        precision: Precision,
        separator: u8,
        out: &mut Vec<u8>,
    ) {
        let cached = self.second(zone, at);
        out.extend_from_slice(&cached.date_time[..10]);
        out.push(separator);
        out.extend_from_slice(&cached.date_time[11..]);
        match precision {
            Precision::Seconds => {}
            Precision::Millis => write_fraction(at.subsec_nanos() / 1_000_000, 3, out),
            Precision::Micros => write_fraction(at.subsec_nanos() / 1_000, 6, out),
        }
    }

    /// Appends an RFC 3339 timestamp with microseconds and the zone's offset:
    /// `2025-01-19T14:30:15.123456+09:00` (`Z` when the offset is zero).
    pub fn write_rfc3339(&mut self, zone: &Zone, at: Timestamp, out: &mut Vec<u8>) {
        self.write_date_time(zone, at, Precision::Micros, b'T', out);
        let cached = self.second(zone, at);
        out.extend_from_slice(&cached.offset[..cached.offset_len as usize]);
    }
}

fn render_second(zone: &Zone, at: Timestamp) -> CachedSecond {
    let c = zone.civil(at);
    let mut date_time = *b"0000-00-00 00:00:00";
    let year = c.year.clamp(0, 9999) as u32;
    put_digits(&mut date_time[0..4], year);
    put_digits(&mut date_time[5..7], c.month as u32);
    put_digits(&mut date_time[8..10], c.day as u32);
    put_digits(&mut date_time[11..13], c.hour as u32);
    put_digits(&mut date_time[14..16], c.minute as u32);
    put_digits(&mut date_time[17..19], c.second as u32);
    let mut offset = *b"+00:00";
    let offset_len = if c.offset_seconds == 0 {
        offset[0] = b'Z';
        1
    } else {
        if c.offset_seconds < 0 {
            offset[0] = b'-';
        }
        let minutes = c.offset_seconds.unsigned_abs() / 60;
        put_digits(&mut offset[1..3], minutes / 60);
        put_digits(&mut offset[4..6], minutes % 60);
        6
    };
    CachedSecond {
        zone_id: zone.id,
        secs: at.unix_seconds(),
        date_time,
        offset,
        offset_len,
    }
}

fn put_digits(dst: &mut [u8], mut value: u32) {
    for slot in dst.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

fn write_fraction(value: u32, digits: usize, out: &mut Vec<u8>) {
    let mut text = [b'.', b'0', b'0', b'0', b'0', b'0', b'0'];
    put_digits(&mut text[1..=digits], value);
    out.extend_from_slice(&text[..=digits]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(zone: &Zone, at: Timestamp, precision: Precision) -> String {
        let mut out = Vec::new();
        TimeCache::new().write_date_time(zone, at, precision, b' ', &mut out);
        String::from_utf8(out).unwrap()
    }

    fn rfc3339(zone: &Zone, at: Timestamp) -> String {
        let mut out = Vec::new();
        TimeCache::new().write_rfc3339(zone, at, &mut out);
        String::from_utf8(out).unwrap()
    }

    // 2025-01-19 14:30:15.123456789 UTC
    const SEED: Timestamp = Timestamp::new(1_737_297_015, 123_456_789);

    #[test]
    fn utc_text_at_each_precision() {
        let utc = Zone::utc();
        assert_eq!(text(&utc, SEED, Precision::Seconds), "2025-01-19 14:30:15");
        assert_eq!(text(&utc, SEED, Precision::Millis), "2025-01-19 14:30:15.123");
        assert_eq!(text(&utc, SEED, Precision::Micros), "2025-01-19 14:30:15.123456");
        assert_eq!(rfc3339(&utc, SEED), "2025-01-19T14:30:15.123456Z");
    }

    #[test]
    fn fixed_positive_offset_shifts_the_wall_clock() {
        let seoul = Zone::posix("KST-9").unwrap();
        assert_eq!(text(&seoul, SEED, Precision::Seconds), "2025-01-19 23:30:15");
        assert_eq!(rfc3339(&seoul, SEED), "2025-01-19T23:30:15.123456+09:00");
    }

    #[test]
    fn new_york_across_both_dst_changes() {
        let ny = Zone::posix("EST5EDT,M3.2.0,M11.1.0").unwrap();
        // 2025-03-09 06:59:59 UTC = 01:59:59 EST; one second later the clock jumps to 03:00 EDT.
        let before_spring = Timestamp::new(1_741_503_599, 0);
        assert_eq!(rfc3339(&ny, before_spring), "2025-03-09T01:59:59.000000-05:00");
        assert_eq!(
            rfc3339(&ny, before_spring + Duration::from_secs(1)),
            "2025-03-09T03:00:00.000000-04:00"
        );
        // 2025-11-02 05:59:59 UTC = 01:59:59 EDT; one second later it is 01:00 EST again.
        let before_fall = Timestamp::new(1_762_063_199, 0);
        assert_eq!(rfc3339(&ny, before_fall), "2025-11-02T01:59:59.000000-04:00");
        assert_eq!(
            rfc3339(&ny, before_fall + Duration::from_secs(1)),
            "2025-11-02T01:00:00.000000-05:00"
        );
    }

    #[test]
    fn one_cache_serves_two_zones_without_mixing_them() {
        let utc = Zone::utc();
        let seoul = Zone::posix("KST-9").unwrap();
        let mut cache = TimeCache::new();
        for _ in 0..3 {
            let mut a = Vec::new();
            let mut b = Vec::new();
            cache.write_date_time(&utc, SEED, Precision::Seconds, b' ', &mut a);
            cache.write_date_time(&seoul, SEED, Precision::Seconds, b' ', &mut b);
            assert_eq!(a, b"2025-01-19 14:30:15");
            assert_eq!(b, b"2025-01-19 23:30:15");
        }
    }

    #[test]
    fn cache_follows_the_clock_from_second_to_second() {
        let utc = Zone::utc();
        let mut cache = TimeCache::new();
        let mut out = Vec::new();
        for i in 0..3 {
            out.clear();
            cache.write_date_time(&utc, SEED + Duration::from_secs(i), Precision::Seconds, b' ', &mut out);
            assert_eq!(out, format!("2025-01-19 14:30:{}", 15 + i).as_bytes());
        }
    }

    #[test]
    fn named_zone_from_the_database_when_present() {
        // The database is a system file; the POSIX tests above cover the logic without it.
        if let Ok(ny) = Zone::named("America/New_York") {
            assert_eq!(ny.offset_seconds(SEED), -5 * 3600);
        }
        assert!(Zone::named("Not/AZone").is_err());
    }

    #[test]
    fn timestamps_before_the_epoch_keep_positive_nanos() {
        let t = Timestamp::from(UNIX_EPOCH - Duration::from_millis(1));
        assert_eq!((t.unix_seconds(), t.subsec_nanos()), (-1, 999_000_000));
        assert_eq!(text(&Zone::utc(), t, Precision::Millis), "1969-12-31 23:59:59.999");
    }

    #[test]
    fn precision_parses_common_spellings() {
        assert_eq!("seconds".parse::<Precision>(), Ok(Precision::Seconds));
        assert_eq!("MS".parse::<Precision>(), Ok(Precision::Millis));
        assert_eq!("micros".parse::<Precision>(), Ok(Precision::Micros));
        assert!("minutes".parse::<Precision>().is_err());
    }
}
