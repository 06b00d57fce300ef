//! Benchmarks of the remote sinks against real collectors, run by `cargo xtask bench`:
//!
//! - records per second delivered to a real rsyslog over TCP, against syslog-ng's `loggen`
//!   sending the same number of messages of the same size to the same rsyslog, with the CPU
//!   time each sender and rsyslog spent per record; then the same to a receiver that only
//!   counts frames, which shows what each sender does when the collector is not the limit;
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

/// Records per syslog trial...
const SYSLOG_RECORDS: u64 = 1_000_000;
/// ...and trials per sender and collector: rsyslog's rate moves by several per cent from
/// one trial to the next, so the syslog figures take more of them.
const SYSLOG_TRIALS: usize = 5;
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

/// Our syslog sink to a TCP `port` on this machine, with the defaults.
fn syslog_sink(port: u16) -> RemoteSink {
    SyslogSink::builder(SyslogTransport::Tcp(format!("127.0.0.1:{port}")))
        .build()
        .expect("syslog sink")
}

/// Our HTTP sink to `server`'s table `logs`, with the defaults.
fn clickhouse_sink(server: &ClickHouse) -> RemoteSink {
    HttpSink::builder(&server.url(), HttpFormat::ClickHouse { table: "logs".into() })
        .build()
        .expect("http sink")
}

/// What one syslog trial measured.
struct Trial {
    /// Records per second until the collector had the last one.
    rate: f64,
    /// CPU time per record of the sender (our process, every thread; or `loggen`).
    sender_ns: f64,
    /// CPU time per record of the collector.
    collector_ns: f64,
}

/// The CPU time used so far by this process (`RUSAGE_SELF`, threads that ended included) or
/// by its children that were waited for (`RUSAGE_CHILDREN`).
fn cpu_used(who: libc::c_int) -> Duration {
    // SAFETY: `usage` is a plain C struct that getrusage fills; `who` is one of libc's constants.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(who, &mut usage);
        usage
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

impl Trial {
    /// A trial of `SYSLOG_RECORDS` records that took `took`, and `sender` and `collector`
    /// CPU time.
    fn new(took: Duration, sender: Duration, collector: Duration) -> Self {
        let per_record = |cpu: Duration| cpu.as_nanos() as f64 / SYSLOG_RECORDS as f64;
        Trial {
            rate: rate(SYSLOG_RECORDS, took),
            sender_ns: per_record(sender),
            collector_ns: per_record(collector),
        }
    }
}

/// A syslog receiver on its own core: rsyslog, or one that only counts frames. Either
/// writes a line per message it took, which [`Lines`] counts.
struct Collector<'a> {
    port: u16,
    lines: Lines,
    cpu: Box<dyn Fn() -> Duration + 'a>,
}

/// One trial of our syslog sink.
fn syslog_trial(to: &mut Collector<'_>) -> Trial {
    let sink = Arc::new(syslog_sink(to.port));
    logcore::add_sink("syslog", Arc::clone(&sink), SinkOptions::default()).expect("add");
    let base = to.lines.update();
    let (sender, collector) = (cpu_used(libc::RUSAGE_SELF), (to.cpu)());
    let start = Instant::now();
    produce(&sink, SYSLOG_RECORDS);
    assert!(
        to.lines.wait_for(base + SYSLOG_RECORDS),
        "the collector did not get every record"
    );
    let took = start.elapsed();
    let (sender, collector) = (
        cpu_used(libc::RUSAGE_SELF) - sender,
        (to.cpu)().saturating_sub(collector),
    );
    logcore::remove_sink("syslog").expect("remove");
    let stats = sink.stats();
    assert_eq!(stats.extra["dropped"], 0, "{stats:?}");
    assert_eq!(to.lines.update(), base + SYSLOG_RECORDS, "duplicates arrived");
    Trial::new(took, sender, collector)
}

/// One trial of `loggen`: the same number of messages of `size` bytes (or its minimum for
/// `sdata`, if larger) with the structured data `sdata` over one TCP connection, with
/// syslog-protocol framing, as fast as it can.
fn loggen_trial(root: &Path, size: usize, sdata: &str, to: &mut Collector<'_>) -> Trial {
    let base = to.lines.update();
    let (sender, collector) = (cpu_used(libc::RUSAGE_CHILDREN), (to.cpu)());
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
        .args(["127.0.0.1", &to.port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("loggen starts");
    assert!(
        to.lines.wait_for(base + SYSLOG_RECORDS),
        "the collector did not get every loggen message"
    );
    let took = start.elapsed();
    let collector = (to.cpu)().saturating_sub(collector);
    let _ = child.wait();
    let sender = cpu_used(libc::RUSAGE_CHILDREN) - sender;
    assert_eq!(to.lines.update(), base + SYSLOG_RECORDS, "duplicates arrived");
    Trial::new(took, sender, collector)
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
    if let [command, out] = &only[..]
        && command == "count-frames"
    {
        count_frames(Path::new(out));
    }
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
    let counter = part("syslog").then(FrameCounter::start);
    pin(&senders);
    let _guard = LoggerBuilder::new(support::quiet_config(LevelFilter::INFO))
        .install()
        .expect("install");
    let _scope = RequestScope::enter(RequestId::parse("req_a1b2c3d4").expect("id"));
    clickhouse.query(&clickhouse_table_ddl("logs"));
    let mut table = String::new();
    if part("syslog") {
        table.push_str(&syslog_part(&rsyslog, counter.as_ref().expect("started for this part")));
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

/// Delivery to rsyslog, then to a receiver that only counts frames; ours and `loggen`'s
/// trials interleaved.
fn syslog_part(rsyslog: &Rsyslog, counter: &FrameCounter) -> String {
    let loggen_root = std::env::var_os("LOGGEN_ROOT")
        .filter(|r| !r.is_empty())
        .map(PathBuf::from);
    let (size, sdata) = typical_frame();
    let mut table = format!(
        "| sender (own core) over TCP | to (own core) | records/s delivered (median of {SYSLOG_TRIALS}) | \
         sender CPU per record | collector CPU per record | bytes per message |\n\
         |---|---|---:|---:|---:|---:|\n"
    );
    let mut verdict = "not measured: LOGGEN_ROOT is not set".to_owned();
    // (name, collector, whether the target is judged on it)
    let collectors = [
        (
            "rsyslog",
            Collector {
                port: rsyslog.tcp_port,
                lines: Lines::new(rsyslog.output()),
                cpu: Box::new(|| rsyslog.cpu()),
            },
            true,
        ),
        (
            "a frame counter",
            Collector {
                port: counter.port,
                lines: Lines::new(&counter.out),
                cpu: Box::new(|| support::process_cpu(counter.child.id())),
            },
            false,
        ),
    ];
    for (name, mut to, judged) in collectors {
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for _ in 0..SYSLOG_TRIALS {
            ours.push(syslog_trial(&mut to));
            if let Some(root) = &loggen_root {
                theirs.push(loggen_trial(root, size, &sdata, &mut to));
            }
        }
        let ours_rate = row(
            &mut table,
            &format!("`logsink-remote` syslog sink (RFC 5424; every thread, the `info!` calls included) | {name}"),
            &ours,
            &size.to_string(),
        );
        if theirs.is_empty() {
            table.push_str(&format!("| syslog-ng `loggen` | {name} | not run | - | - | - |\n"));
            continue;
        }
        let loggen_rate = row(
            &mut table,
            &format!("syslog-ng `loggen` (syslog-protocol, the same structured data) | {name}"),
            &theirs,
            &format!("{size} or more"),
        );
        if judged {
            let ratio = ours_rate / loggen_rate;
            let pairs: Vec<f64> = ours.iter().zip(&theirs).map(|(o, t)| o.rate / t.rate).collect();
            let (low, high) = (
                pairs.iter().copied().fold(f64::MAX, f64::min),
                pairs.iter().copied().fold(0.0, f64::max),
            );
            verdict = format!(
                "{} ({ratio:.2}x; trial by trial {low:.2}x-{high:.2}x)",
                if ratio >= 1.0 { "met" } else { "**missed**" }
            );
        }
    }
    table.push_str(&format!(
        "\nTarget: delivered to rsyslog at least as fast as `loggen`: {verdict}. The frame counter \
         shows what each sender can do when the collector is not the limit.\n\n"
    ));
    table
}

/// A receiver that reads octet-counted syslog frames over TCP and only counts them, writing
/// a line per frame to `out`. It is this program run as `count-frames OUT`, so that its CPU
/// is its own and it runs on the collectors' core.
struct FrameCounter {
    child: std::process::Child,
    port: u16,
    out: PathBuf,
    _dir: tempfile::TempDir,
}

impl FrameCounter {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("frames");
        let mut child = Command::new(std::env::current_exe().expect("this program"))
            .arg("count-frames")
            .arg(&out)
            .stdout(Stdio::piped())
            .spawn()
            .expect("the frame counter starts");
        let mut port = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().expect("its stdout")),
            &mut port,
        )
        .expect("the frame counter's port");
        FrameCounter {
            child,
            port: port.trim().parse().expect("a port"),
            out,
            _dir: dir,
        }
    }
}

impl Drop for FrameCounter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The frame counter's process: prints its port, then counts frames on one connection after
/// another (senders take turns), on its main thread so that its CPU time stays countable.
fn count_frames(out: &Path) -> ! {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    println!("{}", listener.local_addr().expect("address").port());
    std::io::stdout().flush().expect("stdout");
    for connection in listener.incoming() {
        let mut connection = connection.expect("accept");
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(out)
            .expect("the count file");
        let (mut buf, newlines) = (vec![0u8; 256 << 10], vec![b'\n'; 256 << 10]);
        // RFC 6587 octet counting: a decimal length, a space, then that many bytes.
        let (mut length, mut skip) = (0usize, 0usize);
        loop {
            let n = match connection.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let (mut frames, mut i) = (0usize, 0usize);
            while i < n {
                if skip > 0 {
                    let take = skip.min(n - i);
                    (skip, i) = (skip - take, i + take);
                    frames += usize::from(skip == 0);
                    continue;
                }
                match buf[i] {
                    b' ' => (skip, length) = (length, 0),
                    digit => length = length * 10 + usize::from(digit - b'0'),
                }
                i += 1;
            }
            file.write_all(&newlines[..frames]).expect("count");
        }
    }
    unreachable!("the listener stops only with the process")
}

/// Appends a row of `trials`' medians to `table`; returns the median rate.
fn row(table: &mut String, sender: &str, trials: &[Trial], size: &str) -> f64 {
    let pick = |f: fn(&Trial) -> f64| median(&mut trials.iter().map(f).collect::<Vec<_>>());
    let (rate, sender_ns, collector_ns) = (pick(|t| t.rate), pick(|t| t.sender_ns), pick(|t| t.collector_ns));
    table.push_str(&format!(
        "| {sender} | {} | {sender_ns:.0} ns | {collector_ns:.0} ns | {size} |\n",
        harness::group_digits(rate)
    ));
    rate
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
            Some(Box::new(|| syslog_sink(rsyslog.tcp_port))),
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
            let verdict = if p50 <= file_hi { "not above it" } else { "**above it**" };
            format!("{}: {p50} ns, {verdict}", configs[i].0)
        })
        .collect();
    table.push_str(&format!(
        "\nMedians over {ROUNDS} rounds of {CALLS} calls per configuration, the configurations interleaved in \
         each round, at {CALLS_PER_SECOND} calls/s; each call timed by the caller (two clock reads included). \
         Target: the p50 with a remote sink no higher than the file sink's own round-to-round range \
         ({file_lo}-{file_hi} ns): {}. With a second deferred sink the logger captures each record once \
         and the file line is formatted on its worker, so the call can cost less than with the file sink alone.\n",
        within.join("; ")
    ));
    table
}
