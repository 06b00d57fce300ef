//! Counters, gauges and histograms, alone or in families by label, and the registry that
//! names them for `render_prometheus`.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::{Mutex, RwLock};

use crate::histogram::{Buckets, Histogram};
use crate::prometheus::{self, Labels};
use crate::striped::StripedU64;

/// Why a metric could not be registered or built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetricError {
    /// A metric or label name outside Prometheus' grammar.
    #[error("{what} {name:?} is not a valid Prometheus name: expected {expected}")]
    BadName {
        /// "metric name" or "label name".
        what: &'static str,
        /// The name given.
        name: String,
        /// The grammar.
        expected: &'static str,
    },
    /// Two metrics with one name.
    #[error("metric {0:?} is already registered")]
    Duplicate(String),
    /// Buckets that cannot be built.
    #[error("bad histogram buckets ({0})")]
    BadBuckets(String),
}

/// A count that only goes up; clones are handles to the same count.
///
/// ```
/// let c = perfmon::Counter::default();
/// c.add(100);
/// c.inc();
/// assert_eq!(c.get(), 101);
/// ```
#[derive(Clone, Default)]
pub struct Counter(Arc<StripedU64>);

impl Counter {
    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.0.add(1);
    }

    /// Adds `n`.
    #[inline]
    pub fn add(&self, n: u64) {
        self.0.add(n);
    }

    /// The count.
    pub fn get(&self) -> u64 {
        self.0.sum()
    }
}

impl fmt::Debug for Counter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Counter").field(&self.get()).finish()
    }
}

/// A value that goes up and down (requests running, memory used); clones share it.
///
/// ```
/// let g = perfmon::Gauge::default();
/// g.inc();
/// g.inc();
/// g.dec();
/// assert_eq!(g.get(), 1.0);
/// g.set(80e9);
/// assert_eq!(g.get(), 80e9);
/// ```
#[derive(Clone, Default)]
pub struct Gauge(Arc<AtomicU64>);

impl Gauge {
    /// Sets the value.
    pub fn set(&self, value: f64) {
        self.0.store(value.to_bits(), Ordering::Relaxed);
    }

    /// Adds `delta` (which may be negative).
    pub fn add(&self, delta: f64) {
        let _ = self.0.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
            Some((f64::from_bits(bits) + delta).to_bits())
        });
    }

    /// Adds one.
    pub fn inc(&self) {
        self.add(1.0);
    }

    /// Takes one away.
    pub fn dec(&self) {
        self.add(-1.0);
    }

    /// The value.
    pub fn get(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }
}

impl fmt::Debug for Gauge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Gauge").field(&self.get()).finish()
    }
}

/// The entry of `list` that `matches`, or one `make` adds: under a read lock when it is
/// there, which is the usual case, and checked again under the write lock when it is not.
pub(crate) fn find_or_insert<T: Clone>(
    list: &RwLock<Vec<T>>,
    matches: impl Fn(&T) -> bool,
    make: impl FnOnce() -> T,
) -> T {
    if let Some(found) = list.read().iter().find(|t| matches(t)) {
        return found.clone();
    }
    let mut list = list.write();
    if let Some(found) = list.iter().find(|t| matches(t)) {
        return found.clone();
    }
    let made = make();
    list.push(made.clone());
    made
}

/// A family's children with their label values.
type Children<M, const N: usize> = Vec<([String; N], M)>;

/// Metrics of one kind told apart by `N` label values (`requests_total{status="success"}`).
/// Each distinct set of values makes one child, kept for the life of the family: use labels
/// with few values (a status, an error kind, a device), never a request id.
///
/// ```
/// use perfmon::{Counter, Registry};
/// let registry = Registry::new();
/// let errors = registry.counter_family("llm_errors_total", "Errors by kind.", ["kind"]).unwrap();
/// errors.with(["timeout"]).inc();
/// errors.with(["timeout"]).inc();
/// assert_eq!(errors.with(["timeout"]).get(), 2);
/// assert_eq!(errors.children().len(), 1);
/// ```
pub struct Family<M, const N: usize> {
    labels: [&'static str; N],
    children: Arc<RwLock<Children<M, N>>>,
    make: Arc<dyn Fn() -> M + Send + Sync>,
}

impl<M: Clone, const N: usize> Family<M, N> {
    fn new(labels: [&'static str; N], make: impl Fn() -> M + Send + Sync + 'static) -> Self {
        Family {
            labels,
            children: Arc::new(RwLock::new(Vec::new())),
            make: Arc::new(make),
        }
    }

    /// The child with these label values, made on first use. Keep the handle where a hot
    /// path uses it again: the lookup takes a read lock and compares strings.
    pub fn with(&self, values: [&str; N]) -> M {
        find_or_insert(
            &self.children,
            |(v, _)| v.iter().zip(&values).all(|(a, b)| a == b),
            || (values.map(str::to_owned), (self.make)()),
        )
        .1
    }

    /// The label names.
    pub fn label_names(&self) -> [&'static str; N] {
        self.labels
    }

    /// Every child with its label values, in the order they were made.
    pub fn children(&self) -> Vec<([String; N], M)> {
        self.children.read().clone()
    }
}

impl<M, const N: usize> Clone for Family<M, N> {
    fn clone(&self) -> Self {
        Family {
            labels: self.labels,
            children: Arc::clone(&self.children),
            make: Arc::clone(&self.make),
        }
    }
}

impl<M: Clone + fmt::Debug, const N: usize> fmt::Debug for Family<M, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Family")
            .field("labels", &self.labels)
            .field("children", &self.children())
            .finish()
    }
}

/// Something the registry can write in the text format.
trait Exposed: Send + Sync {
    fn kind(&self) -> &'static str;
    fn render(&self, name: &str, out: &mut String);
}

/// One metric (alone, no labels) written with the given labels.
trait Sample {
    fn render(&self, name: &str, labels: &Labels<'_>, out: &mut String);
}

impl Sample for Counter {
    fn render(&self, name: &str, labels: &Labels<'_>, out: &mut String) {
        prometheus::sample(out, name, "", labels, None, self.get() as f64);
    }
}

impl Sample for Gauge {
    fn render(&self, name: &str, labels: &Labels<'_>, out: &mut String) {
        prometheus::sample(out, name, "", labels, None, self.get());
    }
}

impl Sample for Histogram {
    fn render(&self, name: &str, labels: &Labels<'_>, out: &mut String) {
        prometheus::histogram(out, name, labels, &self.snapshot());
    }
}

struct Single<M>(M, &'static str);

impl<M: Sample + Send + Sync> Exposed for Single<M> {
    fn kind(&self) -> &'static str {
        self.1
    }
    fn render(&self, name: &str, out: &mut String) {
        self.0.render(name, &Labels::default(), out);
    }
}

struct Many<M, const N: usize>(Family<M, N>, &'static str);

impl<M: Sample + Clone + Send + Sync, const N: usize> Exposed for Many<M, N> {
    fn kind(&self) -> &'static str {
        self.1
    }
    fn render(&self, name: &str, out: &mut String) {
        for (values, metric) in self.0.children.read().iter() {
            let pairs: Vec<(&str, &str)> = self
                .0
                .labels
                .iter()
                .copied()
                .zip(values.iter().map(String::as_str))
                .collect();
            metric.render(name, &Labels::new(&pairs), out);
        }
    }
}

struct Registered {
    name: String,
    help: String,
    metric: Box<dyn Exposed>,
}

/// The named metrics of a process, in the order they were registered; clones share them.
///
/// ```
/// use perfmon::Registry;
/// let registry = Registry::new();
/// let tokens = registry.counter("llm_generation_tokens_total", "Tokens generated.").unwrap();
/// tokens.add(145);
/// let text = registry.render_prometheus();
/// assert!(text.contains("# TYPE llm_generation_tokens_total counter\nllm_generation_tokens_total 145\n"));
/// assert!(registry.counter("llm_generation_tokens_total", "again").is_err());
/// ```
#[derive(Clone, Default)]
pub struct Registry(Arc<Mutex<Vec<Registered>>>);

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers and returns a counter.
    pub fn counter(&self, name: &str, help: &str) -> Result<Counter, MetricError> {
        let c = Counter::default();
        self.add(name, help, &[], Single(c.clone(), "counter"))?;
        Ok(c)
    }

    /// Registers and returns a gauge.
    pub fn gauge(&self, name: &str, help: &str) -> Result<Gauge, MetricError> {
        let g = Gauge::default();
        self.add(name, help, &[], Single(g.clone(), "gauge"))?;
        Ok(g)
    }

    /// Registers and returns a histogram.
    pub fn histogram(&self, name: &str, help: &str, buckets: Buckets) -> Result<Histogram, MetricError> {
        let h = Histogram::new(buckets);
        self.add(name, help, &[], Single(h.clone(), "histogram"))?;
        Ok(h)
    }

    /// Registers and returns a family of counters with these label names.
    pub fn counter_family<const N: usize>(
        &self,
        name: &str,
        help: &str,
        labels: [&'static str; N],
    ) -> Result<Family<Counter, N>, MetricError> {
        let f = Family::new(labels, Counter::default);
        self.add(name, help, &labels, Many(f.clone(), "counter"))?;
        Ok(f)
    }

    /// Registers and returns a family of gauges with these label names.
    pub fn gauge_family<const N: usize>(
        &self,
        name: &str,
        help: &str,
        labels: [&'static str; N],
    ) -> Result<Family<Gauge, N>, MetricError> {
        let f = Family::new(labels, Gauge::default);
        self.add(name, help, &labels, Many(f.clone(), "gauge"))?;
        Ok(f)
    }

    /// Registers and returns a family of histograms, each with these buckets.
    pub fn histogram_family<const N: usize>(
        &self,
        name: &str,
        help: &str,
        labels: [&'static str; N],
        buckets: Buckets,
    ) -> Result<Family<Histogram, N>, MetricError> {
        if labels.contains(&"le") {
            return Err(MetricError::BadName {
                what: "label name",
                name: "le".into(),
                expected: "a name other than `le`, which histograms use for their bounds",
            });
        }
        let f = Family::new(labels, move || Histogram::new(buckets.clone()));
        self.add(name, help, &labels, Many(f.clone(), "histogram"))?;
        Ok(f)
    }

    fn add(&self, name: &str, help: &str, labels: &[&str], metric: impl Exposed + 'static) -> Result<(), MetricError> {
        prometheus::check_metric_name(name)?;
        for label in labels {
            prometheus::check_label_name(label)?;
        }
        let mut all = self.0.lock();
        if all.iter().any(|r| r.name == name) {
            return Err(MetricError::Duplicate(name.to_owned()));
        }
        all.push(Registered {
            name: name.to_owned(),
            help: help.to_owned(),
            metric: Box::new(metric),
        });
        Ok(())
    }

    /// Every metric in the Prometheus text exposition format 0.0.4.
    pub fn render_prometheus(&self) -> String {
        let mut out = String::new();
        self.render_into(&mut out);
        out
    }

    /// Appends every metric in the text format to `out`.
    pub fn render_into(&self, out: &mut String) {
        for r in self.0.lock().iter() {
            prometheus::header(out, &r.name, &r.help, r.metric.kind());
            r.metric.render(&r.name, out);
        }
    }

    /// The names registered, in order.
    pub fn names(&self) -> Vec<String> {
        self.0.lock().iter().map(|r| r.name.clone()).collect()
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry").field("names", &self.names()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_outside_the_grammar_are_refused() {
        let r = Registry::new();
        assert!(matches!(r.counter("1abc", ""), Err(MetricError::BadName { .. })));
        assert!(matches!(r.counter("a-b", ""), Err(MetricError::BadName { .. })));
        assert!(r.counter("vllm:prompt_tokens_total", "").is_ok());
        assert!(r.counter_family("x", "", ["__reserved"]).is_err());
        assert!(r.counter_family("y", "", ["a:b"]).is_err());
        assert!(r.histogram_family("z", "", ["le"], Buckets::tokens()).is_err());
        assert_eq!(r.names(), ["vllm:prompt_tokens_total"]);
    }

    #[test]
    fn gauge_adds_from_many_threads_are_exact() {
        let g = Gauge::default();
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..10_000 {
                        g.inc();
                        g.inc();
                        g.dec();
                    }
                });
            }
        });
        assert_eq!(g.get(), 40_000.0);
    }

    #[test]
    fn family_children_are_shared_between_lookups_and_threads() {
        let r = Registry::new();
        let f = r.counter_family("requests_total", "", ["status"]).unwrap();
        std::thread::scope(|s| {
            for t in 0..4 {
                let f = f.clone();
                s.spawn(move || {
                    for i in 0..1000 {
                        f.with([if (i + t) % 2 == 0 { "success" } else { "error" }]).inc();
                    }
                });
            }
        });
        let mut children: Vec<_> = f.children().into_iter().map(|(v, c)| (v[0].clone(), c.get())).collect();
        children.sort();
        assert_eq!(children, [("error".to_owned(), 2000), ("success".to_owned(), 2000)]);
    }
}
