//! Benchmarks of the remote sinks against real collectors, run by `cargo xtask bench`:
//!
//! - records per second delivered to a real rsyslog over TCP, against syslog-ng's `loggen`
//!   sending the same number of messages of the same size to the same rsyslog;
//! - rows per second into a real ClickHouse with the default batching;
//! - what a log call costs its caller with a remote sink installed next to the file sink,
//!   against the file sink alone.
//!
//! The collectors run on a core of their own and the senders (our process, or `loggen`) on
//! another, as they would on separate machines: on a shared core the figure would say more
//! about who leaves the collector more CPU than about delivery. The caller-side comparison
//! runs with every core available.
//!
//! Delivered means written by the collector: rsyslog's output file has the line, ClickHouse
//! acknowledged the insert. The producer is one thread logging through `logcore` as a server
//! would; it holds back while the sink's buffer is more than half full, so that nothing is
//! dropped and the figure is what the sink delivers, not what it could shed.
//!
//! `loggen` comes from `LOGGEN_ROOT` (the unpacked `syslog-ng-core` package that `cargo xtask
//! bench` fetches; rsyslog and syslog-ng cannot be installed side by side).

#[path = "../tests/support/mod.rs"]
mod support;

#[path = "../../../bench/harness.rs"]
mod harness;

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use logcore::{LevelFilter, LoggerBuilder, RequestId, RequestScope, Sink, SinkOptions};
use logsink_file::FileSink;
use logsink_remote::{
    Buffering, HttpFormat, HttpSink, RemoteSink, SyslogEncoder, SyslogSink, SyslogTransport, clickhouse_table_ddl,
};
use support::{ClickHouse, Rsyslog};

/// Records per rsyslog trial.
const SYSLOG_RECORDS: u64 = 300_000;
/// Rows per ClickHouse trial.
const CLICKHOUSE_ROWS: u64 = 1_000_000;
/// Trials per figure; the table shows the median.
const TRIALS: usize = 3;
/// Calls per configuration and round in the caller-side comparison...
const CALLS: usize = 60_000;
/// ...made at this rate (a very chatty server), so that the workers keep up and what is
/// measured is the caller's path, not a machine out of cores.
const CALLS_PER_SECOND: u32 = 50_000;
/// Rounds of the caller-side comparison, the configurations interleaved in each. The spread
/// of the file sink's own rounds is the noise the others are judged against.
const ROUNDS: usize = 7;

fn log_typical(i: u64) {
    logcore::info!(
        target: "inference_demo::engine",
        "Generation finished: {} tokens in {} ms ({:.1} tokens/s), prompt cache hit, batch slot 3",
        145 + (i & 7),
        1850,
        78.4
    );
}

/// Logs `n` typical records, holding back while `sink` buffers more than half its capacity.
fn produce(sink: &RemoteSink, n: u64) {
    let limit = (Buffering::http().capacity_bytes / 2) as u64;
    for i in 0..n {
        if i % 512 == 0 {
            while sink.stats().extra["buffered_bytes"] > limit {
                std::thread::sleep(Duration::from_micros(200));
            }
        }
        log_typical(i);
    }
}

/// Counts the lines of a file that grows.
struct Lines {
    path: PathBuf,
    offset: u64,
    count: u64,
    buf: Vec<u8>,
}

impl Lines {
    fn new(path: &Path) -> Self {
        Lines {
            path: path.to_owned(),
            offset: 0,
            count: 0,
            buf: Vec::new(),
        }
    }

    fn update(&mut self) -> u64 {
        if let Ok(mut file) = File::open(&self.path) {
            self.buf.clear();
            if file.seek(SeekFrom::Start(self.offset)).is_ok() && file.read_to_end(&mut self.buf).is_ok() {
                self.offset += self.buf.len() as u64;
                self.count += self.buf.iter().filter(|&&b| b == b'\n').count() as u64;
            }
        }
        self.count
    }

    /// Waits until there are `count` lines; false after two minutes.
    fn wait_for(&mut self, count: u64) -> bool {
        support::wait_for(Duration::from_secs(120), || self.update() >= count)
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn rate(n: u64, took: Duration) -> f64 {
    n as f64 / took.as_secs_f64()
}

/// Our syslog sink to `rsyslog` over TCP, with the defaults.
fn syslog_sink(rsyslog: &Rsyslog) -> RemoteSink {
    SyslogSink::builder(SyslogTransport::Tcp(format!("127.0.0.1:{}", rsyslog.tcp_port)))
        .build()
        .expect("syslog sink")
}

/// Our HTTP sink to `server`'s table `logs`, with the defaults.
fn clickhouse_sink(server: &ClickHouse) -> RemoteSink {
    HttpSink::builder(&server.url(), HttpFormat::ClickHouse { table: "logs".into() })
        .build()
        .expect("http sink")
}

/// One trial of our syslog sink: records per second until rsyslog wrote the last one.
fn syslog_trial(rsyslog: &Rsyslog, lines: &mut Lines) -> f64 {
    let sink = Arc::new(syslog_sink(rsyslog));
    logcore::add_sink("syslog", Arc::clone(&sink), SinkOptions::default()).expect("add");
    let base = lines.update();
    let start = Instant::now();
    produce(&sink, SYSLOG_RECORDS);
    assert!(
        lines.wait_for(base + SYSLOG_RECORDS),
        "rsyslog did not get every record"
    );
    let took = start.elapsed();
    logcore::remove_sink("syslog").expect("remove");
    let stats = sink.stats();
    assert_eq!(stats.extra["dropped"], 0, "{stats:?}");
    assert_eq!(lines.update(), base + SYSLOG_RECORDS, "duplicates arrived");
    rate(SYSLOG_RECORDS, took)
}

/// One trial of `loggen`: the same number of messages of `size` bytes (or its minimum for
/// `sdata`, if larger) with the structured data `sdata` over one TCP connection, with
/// syslog-protocol framing, as fast as it can.
fn loggen_trial(root: &Path, size: usize, sdata: &str, rsyslog: &Rsyslog, lines: &mut Lines) -> f64 {
    let base = lines.update();
    let start = Instant::now();
    // The package's own libraries and plugins, as `xtask/src/tools.rs` runs it.
    let mut child = Command::new(root.join("usr/bin/loggen"))
        .env("LD_LIBRARY_PATH", root.join("usr/lib/syslog-ng"))
        .env("SYSLOGNG_PREFIX", root.join("usr"))
        .args([
            "--inet",
            "--stream",
            "--syslog-proto",
            "--quiet",
            "--rate=10000000",
            "--interval=600",
        ])
        .arg(format!("--size={size}"))
        .arg(format!("--sdata={sdata}"))
        .arg(format!("--number={SYSLOG_RECORDS}"))
        .args(["127.0.0.1", &rsyslog.tcp_port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("loggen starts");
    assert!(
        lines.wait_for(base + SYSLOG_RECORDS),
        "rsyslog did not get every loggen message"
    );
    let took = start.elapsed();
    let _ = child.wait();
    assert_eq!(lines.update(), base + SYSLOG_RECORDS, "duplicates arrived");
    rate(SYSLOG_RECORDS, took)
}

/// The size of the typical record as our syslog sink frames it, and its structured data (which
/// `loggen` sends too, so that rsyslog parses the same amount from both).
fn typical_frame() -> (usize, String) {
    let tokens = 145;
    let message = format_args!(
        "Generation finished: {tokens} tokens in {} ms ({:.1} tokens/s), prompt cache hit, batch slot 3",
        1850, 78.4
    );
    let event = logfmt::Event {
        request_id: Some("req_a1b2c3d4"),
        thread: Some("main"),
        function: Some("log_typical"),
        ..logfmt::Event::new(
            logfmt::Timestamp::now(),
            logfmt::Level::Info,
            "inference_demo::engine",
            &message,
        )
    };
    let mut out = Vec::new();
    SyslogEncoder::new().encode(&event, &mut out, &mut logsink_remote::Scratch::new());
    let text = String::from_utf8(out).expect("UTF-8");
    let sdata = &text[text.find('[').expect("structured data")..=text.find(']').expect("its end")];
    (text.len(), sdata.to_owned())
}

/// One trial into ClickHouse: rows per second until the last insert was acknowledged.
fn clickhouse_trial(server: &ClickHouse) -> f64 {
    server.query("TRUNCATE TABLE logs");
    let sink = Arc::new(clickhouse_sink(server));
    logcore::add_sink("clickhouse", Arc::clone(&sink), SinkOptions::default()).expect("add");
    let start = Instant::now();
    produce(&sink, CLICKHOUSE_ROWS);
    assert!(sink.flush(Duration::from_secs(300)), "{:?}", sink.stats());
    let took = start.elapsed();
    logcore::remove_sink("clickhouse").expect("remove");
    let stats = sink.stats();
    assert_eq!(stats.extra["dropped"] + stats.extra["rejected"], 0, "{stats:?}");
    let count: u64 = server
        .query("SELECT count() FROM logs")
        .trim()
        .parse()
        .expect("a count");
    assert_eq!(count, CLICKHOUSE_ROWS);
    rate(CLICKHOUSE_ROWS, took)
}

/// Per-call caller times (ns) of `CALLS` paced calls.
fn paced_calls() -> Vec<u64> {
    let interval = Duration::from_secs(1) / CALLS_PER_SECOND;
    let mut times = Vec::with_capacity(CALLS);
    let start = Instant::now();
    for i in 0..CALLS {
        let due = start + interval * i as u32;
        while Instant::now() < due {
            std::hint::spin_loop();
        }
        let t0 = Instant::now();
        log_typical(i as u64);
        times.push(t0.elapsed().as_nanos() as u64);
    }
    times
}

/// The `q` quantile of sorted `times`.
fn quantile(sorted: &[u64], q: f64) -> u64 {
    let at = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[at]
}

/// Limits the calling thread, and the threads and processes it starts from now on, to `cpus`.
fn pin(cpus: &[usize]) {
    // SAFETY: `set` is a plain bit set owned here, filled through libc's own macros, and
    // passed with its size; pid 0 is the calling thread.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        for &cpu in cpus {
            libc::CPU_SET(cpu, &mut set);
        }
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

fn main() {
    // `cargo bench --bench remote -- clickhouse` runs one part (syslog, clickhouse, caller).
    let only: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let part = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (senders, collectors): (Vec<usize>, Vec<usize>) = if cores >= 2 {
        ((0..cores / 2).collect(), (cores / 2..cores).collect())
    } else {
        (vec![0], vec![0])
    };
    pin(&collectors);
    let (Some(rsyslog), Some(clickhouse)) = (Rsyslog::start_plain(), ClickHouse::start()) else {
        panic!("the remote benchmark needs rsyslog and clickhouse-server; `cargo xtask bench` installs them");
    };
    pin(&senders);
    let _guard = LoggerBuilder::new(support::quiet_config(LevelFilter::INFO))
        .install()
        .expect("install");
    let _scope = RequestScope::enter(RequestId::parse("req_a1b2c3d4").expect("id"));
    clickhouse.query(&clickhouse_table_ddl("logs"));
    let mut table = String::new();
    if part("syslog") {
        table.push_str(&syslog_part(&rsyslog));
    }
    if part("clickhouse") {
        table.push_str(&clickhouse_part(&clickhouse));
    }
    if part("caller") {
        pin(&(0..cores).collect::<Vec<_>>());
        table.push_str(&caller_part(&rsyslog, &clickhouse));
    }
    harness::publish("remote.md", &table);
}

/// Delivery to rsyslog, ours and `loggen`'s trials interleaved.
fn syslog_part(rsyslog: &Rsyslog) -> String {
    let loggen_root = std::env::var_os("LOGGEN_ROOT")
        .filter(|r| !r.is_empty())
        .map(PathBuf::from);
    let mut lines = Lines::new(rsyslog.output());
    let (size, sdata) = typical_frame();
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..TRIALS {
        ours.push(syslog_trial(rsyslog, &mut lines));
        if let Some(root) = &loggen_root {
            theirs.push(loggen_trial(root, size, &sdata, rsyslog, &mut lines));
        }
    }
    let ours = median(&mut ours);
    let mut table = format!(
        "| sender (own cores), to the same rsyslog (own cores) over TCP | records/s delivered (median of {TRIALS}) | bytes per message |\n\
         |---|---:|---:|\n\
         | `logsink-remote` syslog sink (RFC 5424, TCP) | {} | {size} |\n",
        harness::group_digits(ours)
    );
    let verdict = if theirs.is_empty() {
        table.push_str("| syslog-ng `loggen` | not run: LOGGEN_ROOT is not set | - |\n");
        "not measured".to_owned()
    } else {
        let loggen = median(&mut theirs);
        table.push_str(&format!(
            "| syslog-ng `loggen` (syslog-protocol, TCP, the same structured data) | {} | {size} or more |\n",
            harness::group_digits(loggen)
        ));
        let ratio = ours / loggen;
        format!("{} ({ratio:.2}x)", if ratio >= 1.0 { "met" } else { "**missed**" })
    };
    table.push_str(&format!("\nTarget: at least as fast as `loggen`: {verdict}.\n\n"));
    table
}

/// Rows into ClickHouse with the default batching.
fn clickhouse_part(clickhouse: &ClickHouse) -> String {
    let mut trials: Vec<f64> = (0..TRIALS).map(|_| clickhouse_trial(clickhouse)).collect();
    let rows = median(&mut trials);
    format!(
        "| into ClickHouse, default batching | rows/s delivered (median of {TRIALS}) | target | met |\n\
         |---|---:|---:|:---:|\n\
         | `logsink-remote` HTTP sink, JSONEachRow | {} | >= 200,000 | {} |\n\n",
        harness::group_digits(rows),
        if rows >= 200_000.0 { "yes" } else { "**no**" }
    )
}

/// The caller's side: the file sink alone, then with a remote sink next to it.
fn caller_part(rsyslog: &Rsyslog, clickhouse: &ClickHouse) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = FileSink::builder(dir.path()).build().expect("file sink");
    logcore::add_sink("file", file, SinkOptions::default()).expect("add");
    type Make<'a> = Option<Box<dyn Fn() -> RemoteSink + 'a>>;
    let configs: [(&str, Make<'_>); 3] = [
        ("file sink alone", None),
        (
            "file sink + syslog sink (TCP to rsyslog)",
            Some(Box::new(|| syslog_sink(rsyslog))),
        ),
        (
            "file sink + ClickHouse sink (HTTP)",
            Some(Box::new(|| clickhouse_sink(clickhouse))),
        ),
    ];
    // Per configuration: each round's sorted times.
    let mut rounds: Vec<Vec<Vec<u64>>> = vec![Vec::new(); configs.len()];
    for _ in 0..ROUNDS {
        for (i, (_, remote)) in configs.iter().enumerate() {
            if let Some(make) = remote {
                logcore::add_sink("remote", make(), SinkOptions::default()).expect("add");
            }
            let mut times = paced_calls();
            logcore::flush();
            if remote.is_some() {
                logcore::remove_sink("remote").expect("remove");
            }
            times.sort_unstable();
            rounds[i].push(times);
        }
    }
    logcore::remove_sink("file").expect("remove");
    // A quantile per round: its median over the rounds, and its range.
    let per_round = |config: usize, q: f64| {
        let mut values: Vec<u64> = rounds[config].iter().map(|t| quantile(t, q)).collect();
        values.sort_unstable();
        (values[values.len() / 2], values[0], values[values.len() - 1])
    };
    let mut table = String::from(
        "| caller side of `info!` (3 args) | p50 | p50 range over rounds | p99 | p99 range over rounds | p99.9 |\n\
         |---|---:|---:|---:|---:|---:|\n",
    );
    for (i, (name, _)) in configs.iter().enumerate() {
        let (p50, p50_lo, p50_hi) = per_round(i, 0.5);
        let (p99, p99_lo, p99_hi) = per_round(i, 0.99);
        let (p999, _, _) = per_round(i, 0.999);
        table.push_str(&format!(
            "| {name} | {p50} ns | {p50_lo}-{p50_hi} ns | {p99} ns | {p99_lo}-{p99_hi} ns | {p999} ns |\n"
        ));
    }
    let (_, file_lo, file_hi) = per_round(0, 0.5);
    let within: Vec<String> = (1..configs.len())
        .map(|i| {
            let (p50, _, _) = per_round(i, 0.5);
            let verdict = if (file_lo..=file_hi).contains(&p50) {
                "within"
            } else {
                "**outside**"
            };
            format!("{}: {p50} ns, {verdict}", configs[i].0)
        })
        .collect();
    table.push_str(&format!(
        "\nMedians over {ROUNDS} rounds of {CALLS} calls per configuration, the configurations interleaved in \
         each round, at {CALLS_PER_SECOND} calls/s; each call timed by the caller (two clock reads included). \
         Target: the p50 with a remote sink within the file sink's own round-to-round range \
         ({file_lo}-{file_hi} ns): {}.\n",
        within.join("; ")
    ));
    table
}
