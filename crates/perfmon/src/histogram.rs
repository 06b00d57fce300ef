//! Histograms with fixed exponential buckets, recorded lock-free from many threads.
//!
//! A value is a whole number in the histogram's unit (nanoseconds for durations, tokens for
//! counts). Recording is a search of the bounds and two relaxed atomic adds on the calling
//! thread's stripe; reading adds the stripes up.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::MetricError;
use crate::striped::{STRIPES, stripe};

/// The most finite bounds a histogram may have (a `+Inf` bucket is always added).
pub const MAX_BUCKETS: usize = 40;

/// The upper bounds of a histogram's buckets, in the unit values are recorded in, and the
/// divisor that turns that unit into the one exposed (1e9 for nanoseconds shown as seconds;
/// a division, so that 1,500,000 ns is exactly the 0.0015 s a reader expects).
///
/// ```
/// use perfmon::Buckets;
/// use std::time::Duration;
/// let b = Buckets::exponential_durations(Duration::from_millis(1), 2.0, 4).unwrap();
/// assert_eq!(b.bounds(), &[1_000_000, 2_000_000, 4_000_000, 8_000_000]);
/// assert_eq!(b.exposed_bounds(), vec![0.001, 0.002, 0.004, 0.008]);
/// assert!(perfmon::Buckets::exponential(1, 1.1, 10).is_err()); // 1, 1.1, 1.21 round to 1
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Buckets {
    bounds: Vec<u64>,
    divisor: f64,
}

impl Buckets {
    /// `count` bounds: `start`, `start * factor`, `start * factor^2`, ... (Prometheus'
    /// `ExponentialBuckets`), rounded up to whole numbers, which must stay strictly increasing.
    pub fn exponential(start: u64, factor: f64, count: usize) -> Result<Self, MetricError> {
        Self::build(start, factor, count, 1.0)
    }

    /// Bounds for durations recorded in nanoseconds and exposed in seconds.
    pub fn exponential_durations(start: Duration, factor: f64, count: usize) -> Result<Self, MetricError> {
        let start = u64::try_from(start.as_nanos()).unwrap_or(u64::MAX);
        Self::build(start, factor, count, 1e9)
    }

    /// The default for latencies: 1 ms doubling to 524 s, 20 buckets.
    pub fn latency() -> Self {
        Self::exponential_durations(Duration::from_millis(1), 2.0, 20).expect("valid constant buckets")
    }

    /// The default for token counts: 1 doubling to 524,288, 20 buckets.
    pub fn tokens() -> Self {
        Self::exponential(1, 2.0, 20).expect("valid constant buckets")
    }

    fn build(start: u64, factor: f64, count: usize, divisor: f64) -> Result<Self, MetricError> {
        let bad = |why: &str| MetricError::BadBuckets(format!("start {start}, factor {factor}, count {count}: {why}"));
        if start == 0 {
            return Err(bad("the first bound must be above 0"));
        }
        if !(factor.is_finite() && factor > 1.0) {
            return Err(bad("the factor must be a number above 1"));
        }
        if count == 0 || count > MAX_BUCKETS {
            return Err(bad(&format!("the count must be 1 to {MAX_BUCKETS}")));
        }
        let mut bounds = Vec::with_capacity(count);
        let mut next = start as f64;
        for _ in 0..count {
            let bound = next.ceil();
            if bound >= u64::MAX as f64 {
                return Err(bad("the last bound does not fit in 64 bits"));
            }
            let bound = bound as u64;
            if bounds.last().is_some_and(|&last| bound <= last) {
                return Err(bad(
                    "rounded to whole numbers, two bounds are equal; use a larger factor",
                ));
            }
            bounds.push(bound);
            next *= factor;
        }
        Ok(Buckets { bounds, divisor })
    }

    /// The bounds in the recorded unit.
    pub fn bounds(&self) -> &[u64] {
        &self.bounds
    }

    /// The bounds in the exposed unit (the `le` labels).
    pub fn exposed_bounds(&self) -> Vec<f64> {
        self.bounds.iter().map(|&b| b as f64 / self.divisor).collect()
    }

    /// A value in the recorded unit, in the exposed one.
    pub fn exposed(&self, value: f64) -> f64 {
        value / self.divisor
    }
}

/// Per stripe: a count per bucket (the last is `+Inf`), then the sum of the values.
#[repr(align(128))]
struct Stripe {
    slots: [AtomicU64; MAX_BUCKETS + 2],
}

const SUM: usize = MAX_BUCKETS + 1;

struct Inner {
    buckets: Buckets,
    stripes: [Stripe; STRIPES],
}

/// A histogram; clones are handles to the same counts.
///
/// ```
/// use perfmon::{Buckets, Histogram};
/// let h = Histogram::new(Buckets::tokens());
/// for tokens in [3, 100, 150] {
///     h.record(tokens);
/// }
/// let s = h.snapshot();
/// assert_eq!((s.count(), s.sum()), (3, 253));
/// assert_eq!(s.cumulative()[2], 1); // le="4"
/// ```
#[derive(Clone)]
pub struct Histogram(Arc<Inner>);

impl Histogram {
    /// An empty histogram with these buckets.
    pub fn new(buckets: Buckets) -> Self {
        Histogram(Arc::new(Inner {
            buckets,
            stripes: std::array::from_fn(|_| Stripe {
                slots: std::array::from_fn(|_| AtomicU64::new(0)),
            }),
        }))
    }

    /// Counts `value` (in the recorded unit) in the first bucket whose bound is at least it.
    #[inline]
    pub fn record(&self, value: u64) {
        let inner = &*self.0;
        // Branch-free: the number of bounds below the value is its bucket.
        let index = inner
            .buckets
            .bounds
            .iter()
            .map(|&b| usize::from(b < value))
            .sum::<usize>();
        let stripe = &inner.stripes[stripe()];
        stripe.slots[index].fetch_add(1, Ordering::Relaxed);
        stripe.slots[SUM].fetch_add(value, Ordering::Relaxed);
    }

    /// Records a duration in nanoseconds (for histograms built with
    /// [`Buckets::exponential_durations`]).
    #[inline]
    pub fn record_duration(&self, duration: Duration) {
        self.record(u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX));
    }

    /// The buckets.
    pub fn buckets(&self) -> &Buckets {
        &self.0.buckets
    }

    /// The counts now. Each count is exact; a snapshot taken while others record may see one
    /// value's bucket and not yet its sum.
    pub fn snapshot(&self) -> HistogramSnapshot {
        let n = self.0.buckets.bounds.len() + 1;
        let mut counts = vec![0u64; n];
        let mut sum = 0u64;
        for stripe in &self.0.stripes {
            for (count, slot) in counts.iter_mut().zip(&stripe.slots) {
                *count = count.wrapping_add(slot.load(Ordering::Relaxed));
            }
            sum = sum.wrapping_add(stripe.slots[SUM].load(Ordering::Relaxed));
        }
        HistogramSnapshot {
            buckets: self.0.buckets.clone(),
            counts,
            sum,
        }
    }
}

impl fmt::Debug for Histogram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.snapshot();
        f.debug_struct("Histogram")
            .field("bounds", &s.buckets.bounds)
            .field("count", &s.count())
            .field("sum", &s.sum)
            .finish()
    }
}

/// A histogram's counts at one moment.
#[derive(Clone, Debug, PartialEq)]
pub struct HistogramSnapshot {
    buckets: Buckets,
    counts: Vec<u64>,
    sum: u64,
}

impl HistogramSnapshot {
    /// The buckets.
    pub fn buckets(&self) -> &Buckets {
        &self.buckets
    }

    /// The count in each bucket, the `+Inf` one last (not cumulative).
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// The counts of values at most each bound, `+Inf` last (Prometheus' `_bucket` series).
    pub fn cumulative(&self) -> Vec<u64> {
        self.counts
            .iter()
            .scan(0u64, |acc, &c| {
                *acc += c;
                Some(*acc)
            })
            .collect()
    }

    /// How many values were recorded.
    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The sum of the values, in the recorded unit.
    pub fn sum(&self) -> u64 {
        self.sum
    }

    /// The mean in the recorded unit, or `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        let n = self.count();
        (n > 0).then(|| self.sum as f64 / n as f64)
    }

    /// An estimate of the `q` quantile (0 to 1) in the recorded unit, by linear interpolation
    /// inside the bucket that holds it, as Prometheus' `histogram_quantile` does; a quantile in
    /// the `+Inf` bucket is given as the last bound. `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let total = self.count();
        if total == 0 || !(0.0..=1.0).contains(&q) {
            return None;
        }
        let rank = q * total as f64;
        let bounds = &self.buckets.bounds;
        let mut below = 0u64;
        for (i, &count) in self.counts.iter().enumerate() {
            if count > 0 && (below + count) as f64 >= rank {
                let Some(&upper) = bounds.get(i) else {
                    return bounds.last().map(|&b| b as f64);
                };
                let lower = if i == 0 { 0.0 } else { bounds[i - 1] as f64 };
                let within = ((rank - below as f64) / count as f64).clamp(0.0, 1.0);
                return Some(lower + (upper as f64 - lower) * within);
            }
            below += count;
        }
        bounds.last().map(|&b| b as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_land_in_the_first_bucket_whose_bound_is_at_least_them() {
        let h = Histogram::new(Buckets::exponential(10, 10.0, 3).unwrap());
        for v in [0, 10, 11, 100, 1000, 1001, u64::MAX / 2] {
            h.record(v);
        }
        let s = h.snapshot();
        // le=10: 0, 10; le=100: 11, 100; le=1000: 1000; +Inf: 1001, big.
        assert_eq!(s.counts(), &[2, 2, 1, 2]);
        assert_eq!(s.cumulative(), vec![2, 4, 5, 7]);
        assert_eq!(s.count(), 7);
    }

    #[test]
    fn eight_threads_lose_no_count() {
        let h = Histogram::new(Buckets::latency());
        const PER_THREAD: u64 = 250_000;
        std::thread::scope(|s| {
            for t in 0..8u64 {
                let h = h.clone();
                s.spawn(move || {
                    for i in 0..PER_THREAD {
                        // Thread t records 1 ms .. 2^(t%4) ms spread across four buckets.
                        h.record(1_000_000 << ((i + t) % 4));
                    }
                });
            }
        });
        let s = h.snapshot();
        assert_eq!(s.count(), 8 * PER_THREAD);
        assert_eq!(&s.counts()[..4], &[2 * PER_THREAD; 4]);
        assert!(s.counts()[4..].iter().all(|&c| c == 0));
        assert_eq!(s.sum(), 2 * PER_THREAD * (1 + 2 + 4 + 8) * 1_000_000);
    }

    #[test]
    fn quantiles_interpolate_inside_the_bucket() {
        let h = Histogram::new(Buckets::exponential(100, 2.0, 3).unwrap()); // 100, 200, 400
        for _ in 0..50 {
            h.record(50);
        }
        for _ in 0..50 {
            h.record(150);
        }
        let s = h.snapshot();
        assert_eq!(s.quantile(0.5), Some(100.0));
        assert_eq!(s.quantile(0.75), Some(150.0));
        assert_eq!(s.quantile(1.0), Some(200.0));
        assert_eq!(s.mean(), Some(100.0));
        assert_eq!(Histogram::new(Buckets::tokens()).snapshot().quantile(0.5), None);
    }

    #[test]
    fn bad_buckets_say_why() {
        let err = Buckets::exponential(0, 2.0, 3).unwrap_err().to_string();
        assert!(err.contains("above 0"), "{err}");
        assert!(Buckets::exponential(1, 1.0, 3).is_err());
        assert!(Buckets::exponential(1, 2.0, MAX_BUCKETS + 1).is_err());
        assert!(Buckets::exponential(u64::MAX / 4, 4.0, 3).is_err());
        assert_eq!(Buckets::latency().bounds().last(), Some(&524_288_000_000));
        assert_eq!(Buckets::latency().exposed_bounds()[0], 0.001);
    }
}
