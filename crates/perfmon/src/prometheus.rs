//! The Prometheus text exposition format, version 0.0.4: names, escaping and sample lines.

use std::fmt::Write;

use crate::MetricError;
use crate::histogram::HistogramSnapshot;

/// The `Content-Type` of [`render_prometheus`](crate::Monitor::render_prometheus)'s text.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Label pairs written on a sample.
#[derive(Default)]
pub(crate) struct Labels<'a>(&'a [(&'a str, &'a str)]);

impl<'a> Labels<'a> {
    pub(crate) fn new(pairs: &'a [(&'a str, &'a str)]) -> Self {
        Labels(pairs)
    }
}

pub(crate) fn check_metric_name(name: &str) -> Result<(), MetricError> {
    let ok = !name.is_empty()
        && name
            .bytes()
            .enumerate()
            .all(|(i, b)| b.is_ascii_alphabetic() || b == b'_' || b == b':' || (i > 0 && b.is_ascii_digit()));
    ok.then_some(()).ok_or_else(|| MetricError::BadName {
        what: "metric name",
        name: name.to_owned(),
        expected: "[a-zA-Z_:][a-zA-Z0-9_:]*",
    })
}

pub(crate) fn check_label_name(name: &str) -> Result<(), MetricError> {
    let ok = !name.is_empty()
        && !name.starts_with("__")
        && name
            .bytes()
            .enumerate()
            .all(|(i, b)| b.is_ascii_alphabetic() || b == b'_' || (i > 0 && b.is_ascii_digit()));
    ok.then_some(()).ok_or_else(|| MetricError::BadName {
        what: "label name",
        name: name.to_owned(),
        expected: "[a-zA-Z_][a-zA-Z0-9_]* not starting with __",
    })
}

/// `# HELP` and `# TYPE` lines. Help text escapes `\` and line feeds.
pub(crate) fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    out.push_str("# HELP ");
    out.push_str(name);
    out.push(' ');
    for c in help.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push_str("\n# TYPE ");
    out.push_str(name);
    out.push(' ');
    out.push_str(kind);
    out.push('\n');
}

/// `name{labels,le="..."} value`. Label values escape `\`, `"` and line feeds.
pub(crate) fn sample(out: &mut String, name: &str, suffix: &str, labels: &Labels<'_>, le: Option<f64>, value: f64) {
    out.push_str(name);
    out.push_str(suffix);
    let le = le.map(number);
    let pairs = labels
        .0
        .iter()
        .map(|&(k, v)| (k, v))
        .chain(le.as_deref().map(|le| ("le", le)));
    let mut first = true;
    for (key, value) in pairs {
        out.push(if first { '{' } else { ',' });
        first = false;
        out.push_str(key);
        out.push_str("=\"");
        for c in value.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                '\n' => out.push_str("\\n"),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    if !first {
        out.push('}');
    }
    out.push(' ');
    out.push_str(&number(value));
    out.push('\n');
}

/// A histogram's `_bucket` series (cumulative, `+Inf` last), `_sum` and `_count`.
pub(crate) fn histogram(out: &mut String, name: &str, labels: &Labels<'_>, s: &HistogramSnapshot) {
    let bounds = s.buckets().exposed_bounds();
    let cumulative = s.cumulative();
    for (i, &count) in cumulative.iter().enumerate() {
        let le = bounds.get(i).copied().unwrap_or(f64::INFINITY);
        sample(out, name, "_bucket", labels, Some(le), count as f64);
    }
    sample(out, name, "_sum", labels, None, s.buckets().exposed(s.sum() as f64));
    sample(out, name, "_count", labels, None, s.count() as f64);
}

/// A value as Go's `strconv.FormatFloat(v, 'g', -1, 64)` would write it for the format:
/// shortest round-trip digits, `+Inf`, `-Inf`, `NaN`.
fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf".into() } else { "-Inf".into() }
    } else if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let mut s = String::new();
        let _ = write!(s, "{v}");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Buckets, Histogram};

    #[test]
    fn samples_escape_label_values_and_write_special_numbers() {
        let mut out = String::new();
        sample(
            &mut out,
            "m",
            "",
            &Labels::new(&[("kind", "a\"b\\c\nd")]),
            None,
            f64::NAN,
        );
        sample(&mut out, "m", "", &Labels::default(), None, f64::NEG_INFINITY);
        sample(&mut out, "m", "", &Labels::default(), None, 0.25);
        sample(&mut out, "m", "", &Labels::default(), None, 3.0);
        assert_eq!(out, "m{kind=\"a\\\"b\\\\c\\nd\"} NaN\nm -Inf\nm 0.25\nm 3\n");
        let mut out = String::new();
        header(&mut out, "m", "line one\nback\\slash", "gauge");
        assert_eq!(out, "# HELP m line one\\nback\\\\slash\n# TYPE m gauge\n");
    }

    #[test]
    fn histograms_write_cumulative_buckets_sum_and_count_in_seconds() {
        let h = Histogram::new(Buckets::exponential_durations(std::time::Duration::from_millis(1), 2.0, 2).unwrap());
        h.record(500_000);
        h.record(1_500_000);
        h.record(9_000_000);
        let mut out = String::new();
        histogram(&mut out, "ttft_seconds", &Labels::new(&[("model", "m")]), &h.snapshot());
        assert_eq!(
            out,
            "ttft_seconds_bucket{model=\"m\",le=\"0.001\"} 1\n\
             ttft_seconds_bucket{model=\"m\",le=\"0.002\"} 2\n\
             ttft_seconds_bucket{model=\"m\",le=\"+Inf\"} 3\n\
             ttft_seconds_sum{model=\"m\"} 0.011\n\
             ttft_seconds_count{model=\"m\"} 3\n"
        );
    }
}
