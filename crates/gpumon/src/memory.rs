//! GPU memory as the second seed writes it: `15.23GB / 80.00GB (19.0%)`, and the change
//! across an operation for the lifecycle lines `GPU memory (before generation): ...`.

use std::fmt;

use serde::Serialize;

/// Bytes in the "GB" of these lines: 2^30, as PyTorch's and nvidia-smi's MiB-based figures
/// count (an "80GB" A100 shows as `80.00GB`).
pub const GB: f64 = (1u64 << 30) as f64;

/// `used / total (percent)` with two decimals of GB and one of percent.
///
/// ```
/// assert_eq!(gpumon::memory_line(16_353_000_000, 85_899_345_920), "15.23GB / 80.00GB (19.0%)");
/// assert_eq!(gpumon::memory_line(0, 0), "0.00GB / 0.00GB (0.0%)");
/// ```
pub fn memory_line(used: u64, total: u64) -> String {
    let percent = if total == 0 {
        0.0
    } else {
        used as f64 / total as f64 * 100.0
    };
    format!("{:.2}GB / {:.2}GB ({percent:.1}%)", used as f64 / GB, total as f64 / GB)
}

/// One device's memory at one moment, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MemoryReading {
    /// In use.
    pub used: u64,
    /// Free.
    pub free: u64,
    /// In all.
    pub total: u64,
}

impl MemoryReading {
    /// From the driver's `(free, total)`.
    pub fn from_free_total(free: u64, total: u64) -> Self {
        MemoryReading {
            used: total.saturating_sub(free),
            free,
            total,
        }
    }
}

impl fmt::Display for MemoryReading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&memory_line(self.used, self.total))
    }
}

/// Memory before and after an operation.
///
/// ```
/// use gpumon::{MemoryChange, MemoryReading};
/// let before = MemoryReading::from_free_total(70 << 30, 80 << 30);
/// let after = MemoryReading::from_free_total(69 << 30, 80 << 30);
/// let change = MemoryChange { before, after };
/// assert_eq!(change.delta_bytes(), 1 << 30);
/// assert_eq!(change.to_string(), "11.00GB / 80.00GB (13.8%), +1.00GB since 10.00GB");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MemoryChange {
    /// Before.
    pub before: MemoryReading,
    /// After.
    pub after: MemoryReading,
}

impl MemoryChange {
    /// Bytes more in use after than before (negative when memory was freed).
    pub fn delta_bytes(&self) -> i64 {
        self.after.used as i64 - self.before.used as i64
    }
}

impl fmt::Display for MemoryChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let delta = self.delta_bytes() as f64 / GB;
        write!(
            f,
            "{}, {delta:+.2}GB since {:.2}GB",
            self.after,
            self.before.used as f64 / GB
        )
    }
}
