//! Real collectors started by the tests: rsyslog and ClickHouse on free loopback ports, each
//! with its own configuration and data directory, stopped when dropped; and a small HTTP
//! server that answers with the statuses a test scripts.
#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// `logcore`'s own test setup (for `require_tool` and `python_with`).
#[path = "../../../logcore/tests/support/mod.rs"]
mod logcore_support;

#[allow(unused_imports)]
pub use logcore_support::{python_with, quiet_config, require_tool};

const INSTALL_HINT: &str = "`cargo xtask test` installs rsyslog and clickhouse-server from the Debian packages";

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits up to `limit` for `cond`; returns whether it came true.
pub fn wait_for(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if cond() {
            return true;
        }
        if start.elapsed() > limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_for_port(port: u16, limit: Duration) -> bool {
    wait_for(limit, || TcpStream::connect(("127.0.0.1", port)).is_ok())
}

/// The CPU time the threads of process `pid` have used so far, to the nanosecond
/// (`/proc/PID/task/*/schedstat`; threads that already ended are not counted).
pub fn process_cpu(pid: u32) -> Duration {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Duration::ZERO;
    };
    let nanos: u64 = tasks
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    Duration::from_nanos(nanos)
}

/// An rsyslog daemon listening on UDP, TCP and a Unix socket, writing every message it
/// parsed as one JSON object per line (its own parse of the header, the structured data
/// through `mmpstrucdata`, and the message).
pub struct Rsyslog {
    pub udp_port: u16,
    pub tcp_port: u16,
    pub socket: PathBuf,
    out: PathBuf,
    config: PathBuf,
    binary: PathBuf,
    child: Option<Child>,
    dir: tempfile::TempDir,
    plain: bool,
}

impl Rsyslog {
    /// Starts one, or returns `None` (after saying so) when rsyslog is not installed.
    pub fn start() -> Option<Rsyslog> {
        Self::start_with(false)
    }

    /// Starts one that writes only each message's text, one per line, without parsing the
    /// structured data: the lighter setup a throughput benchmark wants.
    pub fn start_plain() -> Option<Rsyslog> {
        Self::start_with(true)
    }

    fn start_with(plain: bool) -> Option<Rsyslog> {
        let binary = require_tool("rsyslogd", INSTALL_HINT)?;
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("work")).unwrap();
        let (udp_port, tcp_port) = (free_port(), free_port());
        let socket = d.join("log.sock");
        let out = d.join("out.jsonl");
        let config = d.join("rsyslog.conf");
        std::fs::write(
            &config,
            format!(
                r#"global(workDirectory="{work}" maxMessageSize="64k")
module(load="imudp")
module(load="imtcp" MaxSessions="1000")
module(load="imuxsock" SysSock.Use="off")
module(load="mmpstrucdata")
template(name="json" type="list" option.jsonf="on") {{
  property(outname="msg" name="msg" format="jsonf")
  property(outname="hostname" name="hostname" format="jsonf")
  property(outname="app" name="app-name" format="jsonf")
  property(outname="procid" name="procid" format="jsonf")
  property(outname="severity" name="syslogseverity" format="jsonf")
  property(outname="facility" name="syslogfacility" format="jsonf")
  property(outname="sd" name="$!rfc5424-sd" format="jsonf")
  property(outname="input" name="inputname" format="jsonf")
  property(outname="protocol" name="protocol-version" format="jsonf")
}}
template(name="plain" type="string" string="%msg%\n")
ruleset(name="collect") {{
{actions}
}}
input(type="imudp" address="127.0.0.1" port="{udp_port}" ruleset="collect")
input(type="imtcp" address="127.0.0.1" port="{tcp_port}" ruleset="collect")
input(type="imuxsock" Socket="{socket}" ruleset="collect")
"#,
                work = d.join("work").display(),
                socket = socket.display(),
                actions = if plain {
                    format!(
                        "  action(type=\"omfile\" file=\"{}\" template=\"plain\")",
                        out.display()
                    )
                } else {
                    format!(
                        "  action(type=\"mmpstrucdata\")\n  action(type=\"omfile\" file=\"{}\" template=\"json\")",
                        out.display()
                    )
                },
            ),
        )
        .unwrap();
        let mut rsyslog = Rsyslog {
            udp_port,
            tcp_port,
            socket,
            out,
            config,
            binary,
            child: None,
            dir,
            plain,
        };
        rsyslog.restart();
        Some(rsyslog)
    }

    /// Starts the daemon again after [`kill`](Self::kill) (same ports, same output file).
    pub fn restart(&mut self) {
        let pid = self.dir.path().join("rsyslogd.pid");
        let _ = std::fs::remove_file(&pid);
        let child = Command::new(&self.binary)
            .arg("-n")
            .arg("-f")
            .arg(&self.config)
            .arg("-i")
            .arg(&pid)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("rsyslogd starts");
        self.child = Some(child);
        assert!(
            wait_for_port(self.tcp_port, Duration::from_secs(10))
                && wait_for(Duration::from_secs(5), || self.socket.exists()),
            "rsyslogd did not open its ports"
        );
        if !self.plain {
            self.wait_udp_ready();
        }
    }

    /// The TCP port answering does not mean the UDP input reads yet, and a datagram sent
    /// before it does is lost. Sends a probe until rsyslog writes it (the plain output, which
    /// benchmarks count line by line, is left alone; they use TCP).
    fn wait_udp_ready(&self) {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let probe = format!("rsyslog-ready-{}-{}", std::process::id(), self.udp_port);
        let datagram = format!("<14>1 - - probe - - - {probe}");
        let ready = wait_for(Duration::from_secs(10), || {
            let _ = socket.send_to(datagram.as_bytes(), ("127.0.0.1", self.udp_port));
            std::thread::sleep(Duration::from_millis(50));
            std::fs::read_to_string(&self.out).is_ok_and(|text| text.contains(&probe))
        });
        assert!(ready, "rsyslogd did not read its UDP input within 10 s");
    }

    /// The CPU time the daemon's threads have used so far (from `/proc`, to the nanosecond).
    pub fn cpu(&self) -> Duration {
        self.child
            .as_ref()
            .map_or(Duration::ZERO, |child| process_cpu(child.id()))
    }

    /// Kills the daemon at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The file rsyslog writes its output to.
    pub fn output(&self) -> &Path {
        &self.out
    }

    /// Every message rsyslog wrote so far, parsed.
    pub fn messages(&self) -> Vec<serde_json::Value> {
        let Ok(bytes) = std::fs::read(&self.out) else {
            return Vec::new();
        };
        // rsyslog may be writing the last line as we read (even mid-character): take only
        // whole lines.
        let end = bytes.iter().rposition(|&b| b == b'\n').unwrap_or(0);
        let whole = std::str::from_utf8(&bytes[..end]).expect("rsyslog writes UTF-8");
        whole
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("rsyslog wrote {l:?}: {e}")))
            .collect()
    }

    /// The messages written so far whose text contains `marker`.
    pub fn marked(&self, marker: &str) -> Vec<serde_json::Value> {
        self.messages()
            .into_iter()
            .filter(|m| m["msg"].as_str().is_some_and(|t| t.contains(marker)))
            .collect()
    }

    /// Waits up to 10 s until rsyslog has written `count` messages containing `marker`.
    pub fn wait_arrived(&self, marker: &str, count: usize) -> bool {
        wait_for(Duration::from_secs(10), || self.marked(marker).len() >= count)
    }

    /// The messages whose text contains `marker`, waiting up to 10 s for `count` of them.
    pub fn wait_messages(&self, marker: &str, count: usize) -> Vec<serde_json::Value> {
        self.wait_arrived(marker, count);
        // A little longer, to catch duplicates.
        std::thread::sleep(Duration::from_millis(200));
        self.marked(marker)
    }
}

impl Drop for Rsyslog {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The structured-data parameters rsyslog parsed (`mmpstrucdata`) for the element `sd_id`.
pub fn sd_params(message: &serde_json::Value, sd_id: &str) -> serde_json::Map<String, serde_json::Value> {
    let raw = message["sd"].as_str().unwrap_or("");
    let parsed: serde_json::Value = serde_json::from_str(raw).unwrap_or_else(|e| panic!("sd {raw:?}: {e}"));
    parsed[sd_id].as_object().cloned().unwrap_or_default()
}

/// A ClickHouse server with its own configuration, data directory and ports.
pub struct ClickHouse {
    pub http_port: u16,
    tcp_port: u16,
    config: PathBuf,
    binary: PathBuf,
    child: Option<Child>,
    dir: tempfile::TempDir,
}

impl ClickHouse {
    /// Starts one, or returns `None` (after saying so) when ClickHouse is not installed.
    pub fn start() -> Option<ClickHouse> {
        let binary = require_tool("clickhouse-server", INSTALL_HINT)?;
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for sub in ["data", "tmp", "log", "user_files", "format_schemas"] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        let (http_port, tcp_port) = (free_port(), free_port());
        std::fs::write(
            d.join("users.xml"),
            "<yandex><profiles><default></default></profiles>\
             <users><default><password></password><networks><ip>::/0</ip></networks>\
             <profile>default</profile><quota>default</quota></default></users>\
             <quotas><default></default></quotas></yandex>\n",
        )
        .unwrap();
        let config = d.join("config.xml");
        let p = |sub: &str| format!("{}/", d.join(sub).display());
        std::fs::write(
            &config,
            format!(
                "<yandex>\n\
                 <logger><level>warning</level><log>{log}server.log</log><errorlog>{log}error.log</errorlog><console>0</console></logger>\n\
                 <http_port>{http_port}</http_port>\n<tcp_port>{tcp_port}</tcp_port>\n\
                 <listen_host>127.0.0.1</listen_host>\n\
                 <path>{data}</path>\n<tmp_path>{tmp}</tmp_path>\n<user_files_path>{files}</user_files_path>\n\
                 <format_schema_path>{schemas}</format_schema_path>\n\
                 <users_config>{users}</users_config>\n\
                 <default_profile>default</default_profile>\n<default_database>default</default_database>\n\
                 <timezone>UTC</timezone>\n<mark_cache_size>268435456</mark_cache_size>\n\
                 </yandex>\n",
                log = p("log"),
                data = p("data"),
                tmp = p("tmp"),
                files = p("user_files"),
                schemas = p("format_schemas"),
                users = d.join("users.xml").display(),
            ),
        )
        .unwrap();
        let mut server = ClickHouse {
            http_port,
            tcp_port,
            config,
            binary,
            child: None,
            dir,
        };
        server.restart();
        Some(server)
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }

    /// Starts the server again after [`kill`](Self::kill), on the same data and ports.
    pub fn restart(&mut self) {
        let child = Command::new(&self.binary)
            .arg(format!("--config-file={}", self.config.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("clickhouse-server starts");
        self.child = Some(child);
        let ready = wait_for(Duration::from_secs(60), || {
            self.try_query("SELECT 1").is_ok_and(|answer| answer.trim() == "1")
        });
        assert!(ready, "clickhouse-server did not answer: {}", self.error_log());
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        // Its ports close with it; make sure before the test goes on.
        wait_for(Duration::from_secs(10), || {
            TcpStream::connect(("127.0.0.1", self.http_port)).is_err()
        });
    }

    fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log/error.log")).unwrap_or_default()
    }

    fn try_query(&self, sql: &str) -> Result<String, String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.http_port)).map_err(|e| e.to_string())?;
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let request = format!(
            "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{sql}",
            sql.len()
        );
        stream.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).map_err(|e| e.to_string())?;
        let answer = String::from_utf8_lossy(&answer).into_owned();
        let (head, body) = answer.split_once("\r\n\r\n").ok_or("no HTTP answer")?;
        let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            dechunk(body)
        } else {
            body.to_owned()
        };
        if head.starts_with("HTTP/1.1 200") {
            Ok(body)
        } else {
            Err(format!("{head}\n{body}"))
        }
    }

    /// Runs `sql` and returns the answer's text; panics with ClickHouse's reason on error.
    pub fn query(&self, sql: &str) -> String {
        self.try_query(sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}

impl Drop for ClickHouse {
    fn drop(&mut self) {
        self.kill();
    }
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

/// One request the scripted HTTP server received.
#[derive(Clone, Debug)]
pub struct Received {
    pub at: Instant,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An HTTP/1.1 server on a free loopback port that answers each request with the next
/// status of its script (the last one repeats), and keeps what it received.
pub struct ScriptedServer {
    pub url: String,
    pub received: Arc<Mutex<Vec<Received>>>,
}

impl ScriptedServer {
    /// A 429 in the script is sent with `Retry-After: 1`.
    pub fn start(script: Vec<(u16, &'static str)>) -> ScriptedServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&received);
        let script = Arc::new(script);
        let next = Arc::new(Mutex::new(0usize));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (log, script, next) = (Arc::clone(&log), Arc::clone(&script), Arc::clone(&next));
                // One thread per connection: clients keep connections alive.
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream);
                    while let Some(request) = read_request(&mut reader) {
                        let (status, body) = {
                            let mut n = next.lock();
                            let answer = script[(*n).min(script.len() - 1)];
                            *n += 1;
                            answer
                        };
                        log.lock().push(request);
                        let retry_after = if status == 429 { "Retry-After: 1\r\n" } else { "" };
                        let answer = format!(
                            "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nContent-Type: text/plain\r\n{retry_after}\r\n{body}",
                            body.len()
                        );
                        if reader.get_mut().write_all(answer.as_bytes()).is_err() {
                            break;
                        }
                    }
                });
            }
        });
        ScriptedServer { url, received }
    }

    pub fn requests(&self) -> Vec<Received> {
        self.received.lock().clone()
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Received> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let path = line.split_whitespace().nth(1)?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (name, value) = h.split_once(':')?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Received {
        at: Instant::now(),
        path,
        headers,
        body,
    })
}

/// Decompresses a gzip body.
pub fn gunzip(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body).read_to_end(&mut out).unwrap();
    out
}

/// The directory of this crate, for paths in messages.
pub fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}
