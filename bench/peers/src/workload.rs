//! The workload every logger runs: one LLM-server INFO line per record, with a request id and
//! three formatted arguments whose values change from record to record.

/// The target every record is logged under.
pub(crate) const TARGET: &str = "inference_server::engine";

/// The text every counted line contains; lines without it (a peer's own notices) are not
/// counted.
pub(crate) const MARKER: &str = "Generation finished";

/// The message without the request id, for a logger that writes the id itself (`ours`).
macro_rules! finished_format {
    () => {
        "Generation finished: {} tokens in {:.1} ms ({:.1} tokens/s), model llama-3-8b, prompt cache hit, batch slot 3"
    };
}

/// The message with the request id first, for every logger that does not know about requests.
macro_rules! finished_format_with_id {
    () => {
        concat!("[{}] ", $crate::workload::finished_format!())
    };
}

pub(crate) use {finished_format, finished_format_with_id};

/// The arguments of one record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Values {
    /// Tokens generated, 16 to 2,063.
    pub(crate) tokens: u32,
    /// Wall time of the generation in milliseconds.
    pub(crate) ms: f64,
    /// Tokens per second.
    pub(crate) tokens_per_s: f64,
}

impl Values {
    /// The values of record `n`: cheap to compute, different from one record to the next, so
    /// that no logger can cache a formatted line.
    pub(crate) fn of(n: u64) -> Values {
        let tokens = 16 + (n.wrapping_mul(2_654_435_761) % 2048) as u32;
        let ms = 100.0 + (n.wrapping_mul(40_503) % 99_000) as f64 / 10.0;
        Values {
            tokens,
            ms,
            tokens_per_s: f64::from(tokens) * 1000.0 / ms,
        }
    }
}

/// The request id of thread `index`: `req_` and 8 hex digits, as the server generates them.
pub(crate) fn request_id(index: usize) -> String {
    format!("req_{:08x}", 0xa1b2_c3d4_u32.wrapping_add(index as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_about_190_bytes_with_a_typical_prefix() {
        let v = Values::of(12_345);
        let message = format!(
            finished_format_with_id!(),
            request_id(0),
            v.tokens,
            v.ms,
            v.tokens_per_s
        );
        let line = format!("2026-04-14T12:34:56.123456Z  INFO {TARGET}: {message}\n");
        assert!((170..=210).contains(&line.len()), "{} bytes: {line}", line.len());
        assert!(message.contains(MARKER));
    }

    #[test]
    fn values_vary_from_record_to_record() {
        assert_ne!(Values::of(1), Values::of(2));
        assert!(Values::of(7).ms >= 100.0);
    }
}
