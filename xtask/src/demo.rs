//! `cargo xtask demo`: the console demo, the file sink's demo, the remote sinks' demo (with
//! collectors played in-process) and the performance monitoring demo, with the terminal
//! handed straight to them so that colour shows.

use crate::cmd;

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut console = cmd::cargo(["run", "--quiet", "--package", "logcore", "--example", "demo", "--"]);
    console.args(args);
    cmd::run(console)?;
    eprintln!("\nxtask demo: log files (logsink-file)\n");
    cmd::run(cmd::cargo([
        "run",
        "--quiet",
        "--package",
        "logsink-file",
        "--example",
        "files",
    ]))?;
    eprintln!("\nxtask demo: shipping to central collectors (logsink-remote)\n");
    cmd::run(cmd::cargo([
        "run",
        "--quiet",
        "--package",
        "logsink-remote",
        "--example",
        "ship",
    ]))?;
    eprintln!("\nxtask demo: performance monitoring and the GPU probe (perfmon, gpumon)\n");
    cmd::run(cmd::cargo([
        "run",
        "--quiet",
        "--package",
        "perfmon",
        "--features",
        "gpu",
        "--example",
        "perf",
    ]))
}
