//! `cargo xtask demo`: the console demo, the file sink's demo, the remote sinks' demo (with
//! collectors played in-process) and the performance monitoring demo, with the terminal
//! handed straight to them so that colour shows.

use std::process::Command;

use crate::cmd;

/// `cargo run --quiet -p <package> --example <name>` with `options` before `--example`.
fn example(package: &str, options: &[&str], name: &str) -> Command {
    let mut command = cmd::cargo(["run", "--quiet", "--package", package]);
    command.args(options).args(["--example", name]);
    command
}

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut console = example("logcore", &[], "demo");
    console.arg("--").args(args);
    cmd::run(console)?;
    eprintln!("\nxtask demo: log files (logsink-file)\n");
    cmd::run(example("logsink-file", &[], "files"))?;
    eprintln!("\nxtask demo: shipping to central collectors (logsink-remote)\n");
    cmd::run(example("logsink-remote", &[], "ship"))?;
    eprintln!("\nxtask demo: performance monitoring and the GPU probe (perfmon, gpumon)\n");
    cmd::run(example("perfmon", &["--features", "gpu"], "perf"))
}
