//! The process's own resources, read from `/proc`: resident memory, CPU time, open file
//! descriptors and threads.

use std::io;
use std::path::Path;

use serde::Serialize;

/// What the process uses now.
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// let p = perfmon::ProcessStats::read().unwrap();
/// assert!(p.resident_bytes > 0 && p.open_fds >= 3 && p.threads >= 1);
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ProcessStats {
    /// Resident memory (`VmRSS`), bytes.
    pub resident_bytes: u64,
    /// Virtual memory (`VmSize`), bytes.
    pub virtual_bytes: u64,
    /// User plus system CPU time since the start, seconds.
    pub cpu_seconds: f64,
    /// Open file descriptors.
    pub open_fds: u64,
    /// The soft limit on open file descriptors, when there is one.
    pub max_fds: Option<u64>,
    /// Threads.
    pub threads: u64,
    /// When the process started, seconds since the Unix epoch.
    pub start_time_seconds: Option<f64>,
}

impl ProcessStats {
    /// Reads `/proc/self`; an error on systems without it.
    pub fn read() -> io::Result<Self> {
        Self::read_from(Path::new("/proc"))
    }

    fn read_from(proc: &Path) -> io::Result<Self> {
        let status = std::fs::read_to_string(proc.join("self/status"))?;
        let stat = std::fs::read_to_string(proc.join("self/stat"))?;
        let ticks = clock_ticks_per_second();
        let (cpu_seconds, threads, start_ticks) = parse_stat(&stat, ticks)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "unexpected /proc/self/stat"))?;
        let kib = |key| status_kib(&status, key).unwrap_or(0) * 1024;
        let open_fds = std::fs::read_dir(proc.join("self/fd"))?.count() as u64;
        let max_fds = std::fs::read_to_string(proc.join("self/limits"))
            .ok()
            .and_then(|l| parse_max_open_files(&l));
        let boot = std::fs::read_to_string(proc.join("stat"))
            .ok()
            .and_then(|s| parse_boot_time(&s));
        Ok(ProcessStats {
            resident_bytes: kib("VmRSS:"),
            virtual_bytes: kib("VmSize:"),
            cpu_seconds,
            // The listing of /proc/self/fd holds the descriptor it was read through.
            open_fds: open_fds.saturating_sub(1),
            max_fds,
            threads,
            start_time_seconds: boot.map(|b| b as f64 + start_ticks as f64 / ticks),
        })
    }
}

#[cfg(unix)]
fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf reads a constant of the system and has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as f64 } else { 100.0 }
}

#[cfg(not(unix))]
fn clock_ticks_per_second() -> f64 {
    100.0
}

/// `VmRSS:    123456 kB` -> 123456.
fn status_kib(status: &str, key: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].split_whitespace().next()?.parse().ok()
}

/// CPU seconds (utime + stime), threads and start time in ticks from `/proc/self/stat`,
/// whose second field (the command) may itself hold spaces and parentheses.
fn parse_stat(stat: &str, ticks_per_second: f64) -> Option<(f64, u64, u64)> {
    let after = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields are numbered from 1 in proc(5); `after` starts at field 3 (state).
    let field = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
    let cpu = (field(14)? + field(15)?) as f64 / ticks_per_second;
    Some((cpu, field(20)?, field(22)?))
}

fn parse_max_open_files(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..].split_whitespace().next()?.parse().ok()
}

fn parse_boot_time(stat: &str) -> Option<u64> {
    stat.lines().find_map(|l| l.strip_prefix("btime ")?.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_read_after_a_command_with_spaces_and_parentheses() {
        let stat = "4242 (my (odd) server) S 1 4242 4242 0 -1 4194560 500 0 0 0 250 75 0 0 20 0 17 0 123456 \
                    1000000 2000 18446744073709551615";
        let (cpu, threads, start) = parse_stat(stat, 100.0).unwrap();
        assert_eq!((cpu, threads, start), (3.25, 17, 123456));
        assert_eq!(parse_stat("garbage", 100.0), None);
    }

    #[test]
    fn status_limits_and_boot_time_are_parsed() {
        let status = "Name:\tserver\nVmSize:\t  204800 kB\nVmRSS:\t   51200 kB\nThreads:\t9\n";
        assert_eq!(status_kib(status, "VmRSS:"), Some(51200));
        assert_eq!(status_kib(status, "VmSwap:"), None);
        let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                      Max open files            1024                 1048576              files\n";
        assert_eq!(parse_max_open_files(limits), Some(1024));
        assert_eq!(
            parse_boot_time("cpu  1 2 3\nbtime 1737297015\nprocesses 5\n"),
            Some(1_737_297_015)
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn opening_a_file_shows_in_the_count_and_memory_is_plausible() {
        let before = ProcessStats::read().unwrap();
        let files: Vec<_> = (0..50)
            .map(|_| std::fs::File::open("/proc/self/status").unwrap())
            .collect();
        let after = ProcessStats::read().unwrap();
        drop(files);
        // Tests running beside this one open and close a few files of their own meanwhile.
        assert!(after.open_fds >= before.open_fds + 45, "{before:?} {after:?}");
        assert!(before.resident_bytes > 1 << 20 && before.virtual_bytes >= before.resident_bytes);
        assert!(before.cpu_seconds >= 0.0 && before.threads >= 1);
        let started = before.start_time_seconds.unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        assert!(
            started <= now + 1.0 && started > now - 86_400.0 * 365.0,
            "{started} vs {now}"
        );
    }
}
