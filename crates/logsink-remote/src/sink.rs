//! The remote sink: the record arrives captured (its parts copied, on the logger's worker or
//! by the caller); the sink's worker encodes it for the collector and ships it.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::Ordering;
use std::time::Duration;

use logcore::{Captured, Deferred, LineBuf, Sink, SinkStats, capture};
use logfmt::Event;

use crate::buffer::{Buffer, Buffering, Prepare, Shared};
use crate::{Entries, HttpEncoder, Scratch, SyslogEncoder};

/// How records are encoded for the collector.
#[derive(Debug)]
pub(crate) enum Encoder {
    Syslog(SyslogEncoder),
    Http(HttpEncoder),
}

/// Encodes captured records on the worker, with the worker's own scratch space.
struct Encoding {
    encoder: Encoder,
    scratch: Scratch,
    out: Vec<u8>,
}

impl Encoding {
    /// Appends the entry for `event` to `batch`; returns whether it was cut short.
    fn encode(&mut self, event: &Event<'_>, batch: &mut Entries) -> bool {
        self.out.clear();
        let (key, truncated) = match &self.encoder {
            Encoder::Syslog(e) => (0, e.encode(event, &mut self.out, &mut self.scratch)),
            Encoder::Http(e) => (e.encode(event, &mut self.out, &mut self.scratch), false),
        };
        batch.push(key, &self.out);
        truncated
    }
}

impl Prepare for Encoding {
    fn prepare(&mut self, pushed: &[u8], batch: &mut Entries) -> bool {
        capture::replay(pushed, |event| self.encode(event, batch)).unwrap_or_else(|| {
            // Cannot happen: the bytes come from `capture`. Should it, the collector hears of it.
            self.notice("logsink-remote: a record could not be read back", batch);
            false
        })
    }

    /// A WARNING record from the sink itself (target `logsink_remote`).
    fn notice(&mut self, text: &str, batch: &mut Entries) {
        let event = Event::new(
            logfmt::Timestamp::now(),
            logfmt::Level::Warning,
            "logsink_remote",
            &text,
        );
        self.encode(&event, batch);
    }
}

/// Targets whose records a remote sink never takes: the HTTP and TLS stack it ships with. A
/// record they log while the sink sends would otherwise be sent again, and again.
const OWN_TARGETS: &[&str] = &["reqwest", "hyper", "hyper_util", "h2", "rustls", "tokio", "mio", "want"];

fn is_own_target(target: &str) -> bool {
    OWN_TARGETS.iter().any(|own| {
        target
            .strip_prefix(own)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
    })
}

thread_local! {
    static CAPTURE: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(512));
}

/// A sink that ships records to a central collector: syslog or HTTP batches.
///
/// Build one with [`SyslogSink::builder`](crate::SyslogSink::builder) or
/// [`HttpSink::builder`](crate::HttpSink::builder), or from the configuration with
/// [`sinks_from_config`](crate::sinks_from_config), and register it with the logger under a
/// name (`logcore::add_sink`, or `LoggerBuilder::sink`).
///
/// A log call copies the record's parts (the message rendered) into a bounded buffer: it never
/// waits for the network, and the encoding for the collector happens on the sink's worker.
/// [`Sink::stats`] reports `sent`, `delivered`, `retried`, `dropped`, `rejected` and
/// `buffered_bytes` in its `extra` counters, with the last error; `sent = delivered + dropped +
/// rejected` once the buffer is empty.
pub struct RemoteSink {
    kind: String,
    destination: String,
    buffer: Buffer,
}

impl RemoteSink {
    pub(crate) fn start(
        kind: String,
        destination: String,
        encoder: Encoder,
        buffering: Buffering,
        shipper: impl crate::buffer::Shipper,
    ) -> std::io::Result<RemoteSink> {
        let encoding = Encoding {
            encoder,
            scratch: Scratch::new(),
            out: Vec::with_capacity(1024),
        };
        let buffer = Buffer::spawn(&kind, buffering, shipper, encoding)?;
        Ok(RemoteSink {
            kind,
            destination,
            buffer,
        })
    }

    /// Where the records go, without credentials: `tcp://10.0.0.5:514`, `http://loki:3100`.
    pub fn destination(&self) -> &str {
        &self.destination
    }

    /// Takes one record (what [`Sink::log`] does, without a `LineBuf`).
    pub fn send(&self, event: &Event<'_>) {
        if is_own_target(event.target) {
            return;
        }
        let push = |out: &mut Vec<u8>| {
            out.clear();
            capture::capture(event, out);
            self.buffer.push(out);
        };
        let pushed = CAPTURE.try_with(|cell| match cell.try_borrow_mut() {
            Ok(mut out) => {
                push(&mut out);
                true
            }
            Err(_) => false,
        });
        if pushed != Ok(true) {
            // Re-entered from a `Display` impl, or during thread teardown: a fresh buffer.
            push(&mut Vec::new());
        }
    }
}

impl fmt::Debug for RemoteSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteSink")
            .field("kind", &self.kind)
            .field("destination", &self.destination)
            .finish_non_exhaustive()
    }
}

/// The remote sink's part on the logger's worker: the record is captured already, so it
/// goes into the buffer as it is.
struct RemoteFeed {
    shared: std::sync::Arc<Shared>,
}

impl Deferred for RemoteFeed {
    fn take(&mut self, record: Captured<'_>) {
        if record.target().is_some_and(|target| !is_own_target(target)) {
            self.shared.push(record.bytes());
        }
    }
}

impl Sink for RemoteSink {
    fn log(&self, event: &Event<'_>, _line: &mut LineBuf) {
        self.send(event);
    }

    /// The log call only captures the record, once for every deferred sink.
    fn deferred(&self) -> Option<Box<dyn Deferred>> {
        Some(Box::new(RemoteFeed {
            shared: self.buffer.shared_handle(),
        }))
    }

    fn flush(&self, timeout: Duration) -> bool {
        self.buffer.flush(timeout)
    }

    fn shutdown(&self, timeout: Duration) -> bool {
        self.buffer.shutdown(timeout.min(self.buffer.shutdown_timeout()))
    }

    fn stats(&self) -> SinkStats {
        let shared = self.buffer.shared();
        let c = &shared.counters;
        let get = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
        let level = self.buffer.snapshot();
        let mut stats = SinkStats::default();
        stats.kind = self.kind.clone();
        stats.written = get(&c.delivered);
        stats.dropped = get(&c.dropped);
        stats.failed = get(&c.rejected);
        stats.bytes = get(&c.delivered_bytes);
        stats.queued = level.records;
        stats.destination = Some(self.destination.clone());
        stats.last_error = shared.diagnostics.last_error();
        stats.extra = BTreeMap::from([
            ("sent".to_owned(), level.sent),
            ("delivered".to_owned(), get(&c.delivered)),
            ("retried".to_owned(), get(&c.retried)),
            ("dropped".to_owned(), get(&c.dropped)),
            ("rejected".to_owned(), get(&c.rejected)),
            ("buffered_bytes".to_owned(), level.bytes),
            ("truncated".to_owned(), get(&c.truncated)),
            ("notices".to_owned(), get(&c.notices)),
            ("left_at_shutdown".to_owned(), get(&c.left_at_shutdown)),
        ]);
        stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sinks_own_transport_targets_are_recognised() {
        assert!(is_own_target("reqwest"));
        assert!(is_own_target("hyper_util::client::legacy"));
        assert!(is_own_target("rustls::client"));
        assert!(!is_own_target("hyperparameters"));
        assert!(!is_own_target("app::reqwest_wrapper"));
    }
}
