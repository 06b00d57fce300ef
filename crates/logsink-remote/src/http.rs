//! HTTP batches through `reqwest`'s blocking client (rustls), with gzip, custom headers and
//! bearer or basic authentication.

use std::fmt;
use std::io::Write as _;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::buffer::{Buffering, Shipper};
use crate::encode::http::reason_text;
use crate::sink::Encoder;
use crate::{Answer, Entries, HttpEncoder, HttpFormat, RemoteSink, Source, read_answer};

/// A credential: shown as `[REDACTED]` by `Debug` and never written to stderr, stats or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value, for the request that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// How requests authenticate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Auth {
    /// None (the default).
    #[default]
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(Secret),
    /// `Authorization: Basic ...` (ClickHouse, Elasticsearch, Loki behind a proxy).
    Basic {
        /// The user name.
        user: String,
        /// The password.
        password: Secret,
    },
}

/// Why an HTTP sink could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpSinkError {
    /// The URL does not parse or is not http(s).
    #[error("bad collector URL {url:?}: {reason}")]
    Url {
        /// The URL, credentials removed.
        url: String,
        /// Why.
        reason: String,
    },
    /// A header name or value is not valid HTTP.
    #[error("bad header {name:?}: {reason}")]
    Header {
        /// The header's name.
        name: String,
        /// Why.
        reason: String,
    },
    /// The worker thread could not start.
    #[error("could not start the sink's worker: {0}")]
    Io(#[from] std::io::Error),
}

/// Builds a [`RemoteSink`] that posts batches to an HTTP collector.
///
/// ```no_run
/// use logsink_remote::{Auth, HttpFormat, HttpSink, Secret};
/// let sink = HttpSink::builder("http://clickhouse:8123", HttpFormat::ClickHouse { table: "logs".into() })
///     .auth(Auth::Basic { user: "default".into(), password: Secret::new("...") })
///     .gzip(true)
///     .build()?;
/// logcore::add_sink("clickhouse", sink, logcore::SinkOptions::default())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct HttpSink;

impl HttpSink {
    /// A builder posting to `url` (the collector's base URL; the format adds its path, such
    /// as `/loki/api/v1/push`, unless the URL already has a path of its own).
    pub fn builder(url: &str, format: HttpFormat) -> HttpSinkBuilder {
        HttpSinkBuilder {
            url: url.to_owned(),
            buffering: Buffering::for_format(&format),
            format,
            source: Source::default(),
            auth: Auth::None,
            headers: Vec::new(),
            gzip: false,
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(2),
            redact: true,
        }
    }
}

/// Settings of an HTTP sink.
///
/// | setting | default |
/// |---|---|
/// | service, host | `inference-server`, this machine's name |
/// | auth | none |
/// | headers | none |
/// | gzip | off |
/// | request timeout | 10 s |
/// | connect timeout | 2 s |
/// | buffering | [`Buffering::for_format`] (larger batches for ClickHouse) |
#[derive(Debug)]
pub struct HttpSinkBuilder {
    url: String,
    format: HttpFormat,
    source: Source,
    auth: Auth,
    headers: Vec<(String, Secret)>,
    gzip: bool,
    buffering: Buffering,
    timeout: Duration,
    connect_timeout: Duration,
    redact: bool,
}

impl HttpSinkBuilder {
    /// The service and host named in the records.
    #[must_use]
    pub fn source(mut self, source: Source) -> Self {
        self.source = source;
        self
    }

    /// How requests authenticate.
    #[must_use]
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// Adds a header to every request (`X-Scope-OrgID` for a Loki tenant, say). Header values
    /// are treated as secrets.
    #[must_use]
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), Secret::new(value)));
        self
    }

    /// Compresses bodies with gzip (`Content-Encoding: gzip`).
    #[must_use]
    pub fn gzip(mut self, on: bool) -> Self {
        self.gzip = on;
        self
    }

    /// The buffer, batch and retry settings.
    #[must_use]
    pub fn buffering(mut self, buffering: Buffering) -> Self {
        self.buffering = buffering;
        self
    }

    /// The longest a request may take.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The longest a connection attempt may take.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Turns redaction of secrets in records on (the default) or off.
    #[must_use]
    pub fn redaction(mut self, on: bool) -> Self {
        self.redact = on;
        self
    }

    /// Checks the URL and headers and starts the sink's worker. Nothing is sent yet: a
    /// collector that is down at start is retried like one that goes down later.
    pub fn build(self) -> Result<RemoteSink, HttpSinkError> {
        let target = Target::parse(&self.url)?;
        let mut auth = self.auth;
        if let (Auth::None, Some((user, password))) = (&auth, target.userinfo.clone()) {
            auth = Auth::Basic { user, password };
        }
        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let header = HeaderName::from_bytes(name.as_bytes()).map_err(|e| HttpSinkError::Header {
                name: name.clone(),
                reason: e.to_string(),
            })?;
            let mut value = HeaderValue::from_str(value.expose()).map_err(|e| HttpSinkError::Header {
                name: name.clone(),
                reason: e.to_string(),
            })?;
            value.set_sensitive(true);
            headers.insert(header, value);
        }
        let encoder = HttpEncoder::new(self.format, self.source).redaction(self.redact);
        let url = if target.has_path {
            target.url.clone()
        } else {
            format!("{}{}", target.url.trim_end_matches('/'), encoder.path())
        };
        let kind = format!("http:{}", encoder.format().name());
        let shipper = HttpShipper {
            client: None,
            url,
            auth,
            headers,
            gzip: self.gzip,
            timeout: self.timeout,
            connect_timeout: self.connect_timeout,
            encoder: encoder.clone(),
        };
        Ok(RemoteSink::start(
            kind,
            target.shown,
            Encoder::Http(encoder),
            self.buffering,
            shipper,
        )?)
    }
}

/// A collector URL taken apart: credentials moved out, a form safe to show.
struct Target {
    url: String,
    shown: String,
    userinfo: Option<(String, Secret)>,
    has_path: bool,
}

impl Target {
    fn parse(url: &str) -> Result<Target, HttpSinkError> {
        let bad = |reason: &str, shown: &str| HttpSinkError::Url {
            url: shown.to_owned(),
            reason: reason.to_owned(),
        };
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| bad("expected http://host:port or https://host:port", url))?;
        if !matches!(scheme, "http" | "https") {
            return Err(bad("the scheme must be http or https", url));
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let (userinfo, host) = match authority.rsplit_once('@') {
            Some((info, host)) => (Some(info), host),
            None => (None, authority),
        };
        let clean = format!("{scheme}://{host}{path}");
        if host.is_empty() {
            return Err(bad("the URL has no host", &clean));
        }
        let userinfo = userinfo.map(|info| {
            let (user, password) = info.split_once(':').unwrap_or((info, ""));
            (user.to_owned(), Secret::new(password))
        });
        let shown = clean.split('?').next().unwrap_or(&clean).to_owned();
        Ok(Target {
            has_path: !path.trim_end_matches('/').is_empty(),
            url: clean,
            shown,
            userinfo,
        })
    }
}

struct HttpShipper {
    client: Option<reqwest::blocking::Client>,
    url: String,
    auth: Auth,
    headers: HeaderMap,
    gzip: bool,
    timeout: Duration,
    connect_timeout: Duration,
    encoder: HttpEncoder,
}

/// The largest answer read from a collector (an Elasticsearch bulk answer lists every item).
const MAX_ANSWER_BYTES: u64 = 16 << 20;

impl HttpShipper {
    /// The client, built on first use (on the worker's thread).
    fn client(&mut self) -> Result<reqwest::blocking::Client, String> {
        if let Some(client) = &self.client {
            return Ok(client.clone());
        }
        // reqwest is built without a default crypto provider; use ring's unless the program
        // installed one of its own.
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let client = reqwest::blocking::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .user_agent(concat!("logsink-remote/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| error_text(&e))?;
        self.client = Some(client.clone());
        Ok(client)
    }

    /// The request body for `batch`, gzipped when asked.
    fn body(&self, batch: &Entries) -> Vec<u8> {
        let mut body = Vec::with_capacity(batch.total_bytes() + 256);
        self.encoder.body(batch, &mut body);
        if !self.gzip {
            return body;
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 4), flate2::Compression::fast());
        let _ = gz.write_all(&body);
        gz.finish().unwrap_or_default()
    }
}

/// A reqwest error's text with its causes, never its URL (which may carry a query with
/// credentials).
fn error_text(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = String::new();
    let mut current: Option<&dyn std::error::Error> = e.source();
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_request() {
        "request failed"
    } else {
        "error"
    };
    text.push_str(kind);
    while let Some(cause) = current {
        let cause_text = cause.to_string();
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        current = cause.source();
    }
    reason_text(text.as_bytes())
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc2822).ok()?;
    let now = time::OffsetDateTime::now_utc();
    Some(Duration::try_from(when - now).unwrap_or(Duration::ZERO))
}

impl Shipper for HttpShipper {
    fn ship(&mut self, batch: &Entries) -> Answer {
        let client = match self.client() {
            Ok(client) => client,
            Err(reason) => return Answer::Retry { reason, after: None },
        };
        let mut request = client
            .post(&self.url)
            .headers(self.headers.clone())
            .header(reqwest::header::CONTENT_TYPE, self.encoder.content_type())
            .body(self.body(batch));
        if self.gzip {
            request = request.header(reqwest::header::CONTENT_ENCODING, "gzip");
        }
        request = match &self.auth {
            Auth::None => request,
            Auth::Bearer(token) => request.bearer_auth(token.expose()),
            Auth::Basic { user, password } => request.basic_auth(user, Some(password.expose())),
        };
        let response = match request.send() {
            Ok(response) => response,
            Err(e) => {
                return Answer::Retry {
                    reason: error_text(&e),
                    after: None,
                };
            }
        };
        let status = response.status().as_u16();
        let after = retry_after(response.headers());
        let mut answer = Vec::new();
        let read = std::io::Read::read_to_end(&mut std::io::Read::take(response, MAX_ANSWER_BYTES), &mut answer);
        if let Err(e) = read
            && (200..300).contains(&status)
            && matches!(self.encoder.format(), HttpFormat::Elasticsearch { .. })
        {
            return Answer::Retry {
                reason: format!("reading the bulk answer: {e}"),
                after: None,
            };
        }
        read_answer(self.encoder.format(), status, &answer, after, batch.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_the_url_become_basic_auth_and_are_never_shown() {
        let t = Target::parse("http://admin:s3cret@ch.internal:8123").unwrap();
        assert_eq!(t.shown, "http://ch.internal:8123");
        assert_eq!(t.url, "http://ch.internal:8123");
        let (user, password) = t.userinfo.unwrap();
        assert_eq!((user.as_str(), password.expose()), ("admin", "s3cret"));
        assert_eq!(format!("{password:?}"), "[REDACTED]");
        assert!(!t.has_path);
    }

    #[test]
    fn a_url_with_a_path_is_used_as_it_is_and_its_query_is_not_shown() {
        let t = Target::parse("https://collector/api/logs?token=abc").unwrap();
        assert!(t.has_path);
        assert_eq!(t.shown, "https://collector/api/logs");
        assert!(Target::parse("ftp://x").is_err());
        assert!(Target::parse("http://").is_err());
        assert!(Target::parse("collector:80").is_err());
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(reqwest::header::RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            reqwest::header::RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(reqwest::header::RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn builder_debug_never_shows_secrets() {
        let b = HttpSink::builder("http://u:pw123@x:1", HttpFormat::JsonLines)
            .auth(Auth::Bearer(Secret::new("tok-987")))
            .header("X-Api-Key", "key-555");
        let shown = format!("{b:?}");
        assert!(!shown.contains("tok-987") && !shown.contains("key-555"), "{shown}");
    }
}
