//! `cargo xtask bench`: the benchmarks in release mode. Each prints a Markdown table (also
//! written under `target/bench/`) that goes into `docs/performance.md` with this command.
//!
//! - `logcore`'s `core` bench, given every argument but `--records`;
//! - `perfmon`'s `metrics` bench: timers, histograms from 1, 2 and 4 threads, counters;
//! - `logsink-remote`'s `remote` bench (alone: `cargo xtask bench remote`): delivery to a real rsyslog against syslog-ng's
//!   `loggen`, rows into a real ClickHouse, the caller's cost with a remote sink (it installs
//!   the collectors, and unpacks `loggen`, when missing);
//! - `peer-bench all`: the file loggers compared, each in its own process, on
//!   `--records N` records (default 1,000,000) at 1, 2 and 4 threads.

use crate::{cmd, tools};

const PEER_RECORDS: &str = "1000000";

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    if args.first().is_some_and(|a| a == "remote") {
        // `cargo xtask bench remote`: the remote sinks' part alone.
        return remote();
    }
    let (records, core_args) = split_records(args)?;
    let mut command = cmd::cargo(["bench", "--package", "logcore", "--bench", "core", "--"]);
    command.args(core_args);
    cmd::run(command)?;
    cmd::run(cmd::cargo(["bench", "--package", "perfmon", "--bench", "metrics"]))?;
    remote()?;
    let mut command = cmd::cargo(["run", "--release", "--package", "peer-bench", "--", "all"]);
    command
        .args(["--records", records.as_deref().unwrap_or(PEER_RECORDS)])
        .args(["--threads", "1,2,4", "--out", "target/bench/peers.md"]);
    cmd::run(command)?;
    eprintln!("\nxtask bench: tables written under target/bench/");
    Ok(())
}

/// The remote sinks' bench, after installing the collectors and unpacking `loggen`.
fn remote() -> Result<(), String> {
    tools::install_collectors()?;
    let loggen = tools::loggen()?;
    let mut remote = cmd::cargo(["bench", "--package", "logsink-remote", "--bench", "remote"]);
    remote.env("LOGGEN_ROOT", loggen);
    cmd::run(remote)
}

/// Takes `--records N` (for the peer comparison) out of `args`; the rest go to `logcore`'s
/// bench.
fn split_records(args: &[String]) -> Result<(Option<String>, Vec<String>), String> {
    let mut records = None;
    let mut rest = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "--records" {
            let n = args.next().ok_or("--records needs a number")?;
            n.replace('_', "")
                .parse::<u64>()
                .map_err(|_| format!("--records `{n}` is not a number"))?;
            records = Some(n.clone());
        } else {
            rest.push(arg.clone());
        }
    }
    Ok((records, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_go_to_the_peer_comparison_and_the_rest_to_logcore() {
        let args: Vec<String> = ["--quick", "--records", "20000", "x"].map(String::from).to_vec();
        let (records, rest) = split_records(&args).unwrap();
        assert_eq!(records.as_deref(), Some("20000"));
        assert_eq!(rest, ["--quick", "x"]);
        assert!(split_records(&["--records".into()]).is_err());
        assert!(split_records(&["--records".into(), "many".into()]).is_err());
    }
}
