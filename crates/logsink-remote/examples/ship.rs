//! Remote sinks at work with no collector installed: this example plays the collectors
//! itself, an HTTP endpoint taking JSON lines (what Vector or Fluent Bit would be) and a
//! syslog receiver on UDP, and prints what they receive. The sinks come from a `[remote.NAME]`
//! configuration, as in production. The HTTP collector then goes down for a second: the
//! sink buffers and retries while the server keeps logging, and delivers everything when it
//! comes back. A prompt with a newline, a terminal escape and an API key shows that user text
//! cannot forge a line or leak a secret on the way.
//!
//! `cargo run -p logsink-remote --example ship` (part of `cargo xtask demo`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use logcore::{LoggerBuilder, RequestId, RequestScope};

/// An HTTP collector on a free loopback port that prints each batch it accepts, and answers
/// 503 while `down` is set.
fn http_collector(down: Arc<AtomicBool>) -> std::io::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", listener.local_addr()?);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let down = Arc::clone(&down);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream);
                while let Some(body) = read_request(&mut reader) {
                    let status = if down.load(Ordering::Relaxed) {
                        "503 Service Unavailable"
                    } else {
                        let text = String::from_utf8_lossy(&body);
                        println!("  [http collector] a batch of {} records:", text.lines().count());
                        for line in text.lines() {
                            println!("    {line}");
                        }
                        "200 OK"
                    };
                    let answer = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n");
                    if reader.get_mut().write_all(answer.as_bytes()).is_err() {
                        break;
                    }
                }
            });
        }
    });
    Ok(url)
}

/// Reads one HTTP/1.1 request and returns its body.
fn read_request(reader: &mut BufReader<std::net::TcpStream>) -> Option<Vec<u8>> {
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(body)
}

/// A syslog receiver on a free UDP port that prints each message as it arrives.
fn syslog_collector() -> std::io::Result<String> {
    let socket = UdpSocket::bind("127.0.0.1:0")?;
    let address = format!("udp://{}", socket.local_addr()?);
    std::thread::spawn(move || {
        let mut datagram = [0u8; 65536];
        while let Ok(n) = socket.recv(&mut datagram) {
            println!("  [syslog collector] {}", String::from_utf8_lossy(&datagram[..n]));
        }
    });
    Ok(address)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let down = Arc::new(AtomicBool::new(false));
    let url = http_collector(Arc::clone(&down))?;
    let syslog = syslog_collector()?;
    // Short batch ages so that the demo does not wait; the defaults are 1 s and 50 ms.
    let config = logcore::ConfigLoader::new()
        .toml_str(format!(
            r#"
level = "info"

[remote.collector]
kind = "jsonlines"
url = "{url}"
service = "vllm-demo"
batch_age = 0.2
retry_initial = 0.2

[remote.syslog]
kind = "syslog"
address = "{syslog}"
app_name = "vllm-demo"
level = "warning"
"#
        ))
        .section(logsink_remote::SECTION)
        .load()?;
    let _logger = logsink_remote::add_to(LoggerBuilder::new(config.clone()), &config)?.install()?;

    println!("Two remote sinks: JSON lines over HTTP to {url}, and warnings and above to syslog at {syslog}.\n");
    {
        let _scope = RequestScope::enter(RequestId::generate());
        logcore::info!(target: "inference_demo::server", "Processing generation request");
        let prompt = "Summarise this.\nINFO | forged line\u{1b}[2J Authorization: Bearer sk-live-9f8e7d6c5b4a";
        logcore::info!(target: "inference_demo::server", prompt = prompt; "Prompt received");
        logcore::warn!(target: "inference_demo::engine", "KV cache 91% full; preempting 2 sequences");
        logcore::info!(target: "inference_demo::engine", tokens = 128u64, tokens_per_s = 84.2; "Generation finished");
    }
    std::thread::sleep(Duration::from_millis(600));

    println!("\nThe HTTP collector goes down for a second; the server keeps logging (each call returns at once):\n");
    down.store(true, Ordering::Relaxed);
    for i in 1..=3 {
        let _scope = RequestScope::enter(RequestId::generate());
        logcore::info!(target: "inference_demo::server", "Request {i} completed while the collector was down");
    }
    std::thread::sleep(Duration::from_millis(1200));
    println!("\nThe collector is back; the buffered records arrive, none lost:\n");
    down.store(false, Ordering::Relaxed);
    logcore::flush();
    std::thread::sleep(Duration::from_millis(100));

    println!("\nPer-sink counters from logcore::stats():");
    if let Some(stats) = logcore::stats() {
        for sink in stats.sinks.iter().filter(|s| s.name.starts_with("remote:")) {
            let e = &sink.stats.extra;
            println!(
                "  {:<17} to {:<28} sent {}, delivered {}, retried {}, dropped {}, rejected {}",
                sink.name,
                sink.stats.destination.as_deref().unwrap_or("-"),
                e["sent"],
                e["delivered"],
                e["retried"],
                e["dropped"],
                e["rejected"]
            );
        }
    }
    Ok(())
}
