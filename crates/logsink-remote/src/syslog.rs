//! Syslog over UDP, TCP (RFC 6587 octet counting) and Unix datagram sockets.

use std::fmt;
use std::io::{self, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::buffer::{Buffering, Shipper};
use crate::sink::Encoder;
use crate::{Answer, Entries, RemoteSink, SyslogEncoder, SyslogFormat};

/// How syslog messages travel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyslogTransport {
    /// One datagram per message to `host:port`.
    Udp(String),
    /// A TCP stream to `host:port`, each message framed by its length (RFC 6587 octet
    /// counting); reconnects with backoff.
    Tcp(String),
    /// One datagram per message to a Unix socket (`/dev/log`).
    Unix(PathBuf),
}

impl SyslogTransport {
    /// The default largest message: 2048 bytes for datagrams (what RFC 5424 asks every
    /// receiver to accept), 8192 for TCP (rsyslog's default limit).
    pub fn default_max_bytes(&self) -> usize {
        match self {
            SyslogTransport::Tcp(_) => 8192,
            SyslogTransport::Udp(_) | SyslogTransport::Unix(_) => 2048,
        }
    }
}

impl FromStr for SyslogTransport {
    type Err = String;

    /// `udp://host:port`, `tcp://host:port`, `unix:///dev/log` or a path starting with `/`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const EXPECTED: &str = "an address such as udp://127.0.0.1:514, tcp://logs.internal:601 or unix:///dev/log";
        let s = s.trim();
        let host_port = |rest: &str| {
            if rest
                .rsplit_once(':')
                .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok())
            {
                Ok(rest.to_owned())
            } else {
                Err(EXPECTED.to_owned())
            }
        };
        if let Some(rest) = s.strip_prefix("udp://") {
            host_port(rest).map(SyslogTransport::Udp)
        } else if let Some(rest) = s.strip_prefix("tcp://") {
            host_port(rest).map(SyslogTransport::Tcp)
        } else if let Some(path) = s.strip_prefix("unix://") {
            Ok(SyslogTransport::Unix(PathBuf::from(path)))
        } else if s.starts_with('/') {
            Ok(SyslogTransport::Unix(PathBuf::from(s)))
        } else {
            Err(EXPECTED.to_owned())
        }
    }
}

impl fmt::Display for SyslogTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyslogTransport::Udp(a) => write!(f, "udp://{a}"),
            SyslogTransport::Tcp(a) => write!(f, "tcp://{a}"),
            SyslogTransport::Unix(p) => write!(f, "unix://{}", p.display()),
        }
    }
}

/// Builds a [`RemoteSink`] that speaks syslog.
///
/// ```no_run
/// use logsink_remote::{Facility, SyslogSink, SyslogTransport};
/// let sink = SyslogSink::builder("tcp://logs.internal:601".parse()?)
///     .app_name("vllm")
///     .facility(Facility::LOCAL0)
///     .build()?;
/// logcore::add_sink("syslog", sink, logcore::SinkOptions::default())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct SyslogSink;

impl SyslogSink {
    /// A builder for messages sent over `transport`. Over a Unix socket the default format is
    /// RFC 3164 without a hostname, which is what `syslog(3)` writes and what rsyslog and
    /// journald read there; elsewhere RFC 5424.
    pub fn builder(transport: SyslogTransport) -> SyslogSinkBuilder {
        let mut encoder = SyslogEncoder::new().max_bytes(transport.default_max_bytes());
        if matches!(transport, SyslogTransport::Unix(_)) {
            encoder = encoder.format(SyslogFormat::Rfc3164).local(true);
        }
        SyslogSinkBuilder {
            transport,
            encoder,
            buffering: Buffering::syslog(),
            connect_timeout: Duration::from_secs(2),
            write_timeout: Duration::from_secs(5),
        }
    }
}

/// Settings of a syslog sink; see [`SyslogEncoder`] and [`Buffering`] for their defaults.
#[derive(Debug)]
pub struct SyslogSinkBuilder {
    transport: SyslogTransport,
    encoder: SyslogEncoder,
    buffering: Buffering,
    connect_timeout: Duration,
    write_timeout: Duration,
}

impl SyslogSinkBuilder {
    /// The message format.
    #[must_use]
    pub fn format(mut self, format: SyslogFormat) -> Self {
        let local = matches!(self.transport, SyslogTransport::Unix(_)) && format == SyslogFormat::Rfc3164;
        self.encoder = self.encoder.format(format).local(local);
        self
    }

    /// The facility.
    #[must_use]
    pub fn facility(mut self, facility: crate::Facility) -> Self {
        self.encoder = self.encoder.facility(facility);
        self
    }

    /// The HOSTNAME field.
    #[must_use]
    pub fn hostname(mut self, hostname: &str) -> Self {
        self.encoder = self.encoder.hostname(hostname);
        self
    }

    /// The APP-NAME field (the TAG in RFC 3164).
    #[must_use]
    pub fn app_name(mut self, app_name: &str) -> Self {
        self.encoder = self.encoder.app_name(app_name);
        self
    }

    /// The PROCID field.
    #[must_use]
    pub fn procid(mut self, procid: &str) -> Self {
        self.encoder = self.encoder.procid(procid);
        self
    }

    /// The MSGID field.
    #[must_use]
    pub fn msgid(mut self, msgid: &str) -> Self {
        self.encoder = self.encoder.msgid(msgid);
        self
    }

    /// The largest message in bytes; longer ones are cut on a character boundary.
    #[must_use]
    pub fn max_message_bytes(mut self, max: usize) -> Self {
        self.encoder = self.encoder.max_bytes(max);
        self
    }

    /// Replaces the whole encoder.
    #[must_use]
    pub fn encoder(mut self, encoder: SyslogEncoder) -> Self {
        self.encoder = encoder;
        self
    }

    /// The buffer, batch and retry settings.
    #[must_use]
    pub fn buffering(mut self, buffering: Buffering) -> Self {
        self.buffering = buffering;
        self
    }

    /// How long a TCP connection attempt may take.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Starts the sink's worker. Nothing is connected yet: a collector that is down at start
    /// is retried like one that goes down later.
    pub fn build(self) -> io::Result<RemoteSink> {
        let destination = self.transport.to_string();
        let shipper = SyslogShipper {
            transport: self.transport,
            connect_timeout: self.connect_timeout,
            write_timeout: self.write_timeout,
            udp: None,
            tcp: None,
            unix: None,
            frames: Vec::new(),
        };
        RemoteSink::start(
            "syslog".to_owned(),
            destination,
            Encoder::Syslog(self.encoder),
            self.buffering,
            shipper,
        )
    }
}

struct SyslogShipper {
    transport: SyslogTransport,
    connect_timeout: Duration,
    write_timeout: Duration,
    udp: Option<UdpSocket>,
    tcp: Option<TcpStream>,
    unix: Option<UnixDatagram>,
    frames: Vec<u8>,
}

fn resolve(address: &str) -> io::Result<Vec<SocketAddr>> {
    let addrs: Vec<SocketAddr> = address.to_socket_addrs()?.collect();
    if addrs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{address} has no address"),
        ));
    }
    Ok(addrs)
}

/// Entries from `from` on, to be sent again.
fn retry_from(from: usize, n: usize, reason: String) -> Answer {
    if from == 0 {
        Answer::Retry { reason, after: None }
    } else {
        Answer::Partial {
            retry: (from..n).collect(),
            rejected: 0,
            reason,
        }
    }
}

impl SyslogShipper {
    fn ship_udp(&mut self, batch: &Entries, address: &str) -> Answer {
        if self.udp.is_none() {
            let connected = resolve(address).and_then(|addrs| {
                let local: SocketAddr = if addrs[0].is_ipv4() {
                    ([0, 0, 0, 0], 0).into()
                } else {
                    (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
                };
                let socket = UdpSocket::bind(local)?;
                socket.connect(&addrs[..])?;
                socket.set_write_timeout(Some(self.write_timeout))?;
                Ok(socket)
            });
            match connected {
                Ok(socket) => self.udp = Some(socket),
                Err(e) => return retry_from(0, batch.len(), format!("udp://{address}: {e}")),
            }
        }
        let socket = self.udp.as_ref().expect("connected above");
        for (i, (_, message)) in batch.iter().enumerate() {
            if let Err(e) = socket.send(message) {
                // A refused port shows up on the next send; the socket is made again.
                self.udp = None;
                return retry_from(i, batch.len(), format!("udp://{address}: {e}"));
            }
        }
        Answer::Delivered
    }

    fn tcp_connect(&self, address: &str) -> io::Result<TcpStream> {
        let mut last = None;
        for addr in resolve(address)? {
            match TcpStream::connect_timeout(&addr, self.connect_timeout) {
                Ok(stream) => {
                    stream.set_nodelay(true)?;
                    stream.set_write_timeout(Some(self.write_timeout))?;
                    return Ok(stream);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("no address")))
    }

    /// Whether the collector has closed the connection: it never sends us anything, so a
    /// readable socket means end of stream or an error. Writes to a closed connection can
    /// succeed for a while, so this is checked before each batch.
    fn peer_closed(stream: &TcpStream) -> bool {
        if stream.set_nonblocking(true).is_err() {
            return true;
        }
        let mut probe = [0u8; 1];
        let closed = match (&*stream).read(&mut probe) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => e.kind() != io::ErrorKind::WouldBlock,
        };
        closed || stream.set_nonblocking(false).is_err()
    }

    fn ship_tcp(&mut self, batch: &Entries, address: &str) -> Answer {
        if self.tcp.as_ref().is_some_and(Self::peer_closed) {
            self.tcp = None;
        }
        if self.tcp.is_none() {
            match self.tcp_connect(address) {
                Ok(stream) => self.tcp = Some(stream),
                Err(e) => return retry_from(0, batch.len(), format!("tcp://{address}: {e}")),
            }
        }
        // RFC 6587 octet counting: "LEN SP MSG" per message, one write for the batch.
        self.frames.clear();
        let mut frame_ends = Vec::with_capacity(batch.len());
        for (_, message) in batch.iter() {
            let _ = write!(self.frames, "{} ", message.len());
            self.frames.extend_from_slice(message);
            frame_ends.push(self.frames.len());
        }
        let stream = self.tcp.as_mut().expect("connected above");
        let mut written = 0;
        while written < self.frames.len() {
            match stream.write(&self.frames[written..]) {
                Ok(0) => {
                    self.tcp = None;
                    let done = frame_ends.partition_point(|&end| end <= written);
                    return retry_from(done, batch.len(), format!("tcp://{address}: connection closed"));
                }
                Ok(n) => written += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.tcp = None;
                    // Messages wholly written before the error were handed to the network; a
                    // partly written one is sent again on the new connection.
                    let done = frame_ends.partition_point(|&end| end <= written);
                    return retry_from(done, batch.len(), format!("tcp://{address}: {e}"));
                }
            }
        }
        Answer::Delivered
    }

    fn ship_unix(&mut self, batch: &Entries, path: &std::path::Path) -> Answer {
        if self.unix.is_none() {
            match UnixDatagram::unbound() {
                Ok(socket) => {
                    let _ = socket.set_write_timeout(Some(self.write_timeout));
                    self.unix = Some(socket);
                }
                Err(e) => return retry_from(0, batch.len(), format!("unix socket: {e}")),
            }
        }
        let socket = self.unix.as_ref().expect("made above");
        for (i, (_, message)) in batch.iter().enumerate() {
            if let Err(e) = socket.send_to(message, path) {
                return retry_from(i, batch.len(), format!("unix://{}: {e}", path.display()));
            }
        }
        Answer::Delivered
    }
}

impl Shipper for SyslogShipper {
    fn ship(&mut self, batch: &Entries) -> Answer {
        match self.transport.clone() {
            SyslogTransport::Udp(address) => self.ship_udp(batch, &address),
            SyslogTransport::Tcp(address) => self.ship_tcp(batch, &address),
            SyslogTransport::Unix(path) => self.ship_unix(batch, &path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transports_parse_from_their_urls() {
        assert_eq!(
            "udp://127.0.0.1:514".parse(),
            Ok(SyslogTransport::Udp("127.0.0.1:514".into()))
        );
        assert_eq!("tcp://logs:601".parse(), Ok(SyslogTransport::Tcp("logs:601".into())));
        assert_eq!("tcp://[::1]:601".parse(), Ok(SyslogTransport::Tcp("[::1]:601".into())));
        assert_eq!("unix:///dev/log".parse(), Ok(SyslogTransport::Unix("/dev/log".into())));
        assert_eq!("/dev/log".parse(), Ok(SyslogTransport::Unix("/dev/log".into())));
        for bad in ["logs:514", "tcp://logs", "tcp://:514", "http://x:1", "udp://x:99999"] {
            assert!(bad.parse::<SyslogTransport>().is_err(), "{bad}");
        }
    }
}
