//! `cargo xtask bench`: the benchmarks in release mode. Each prints a Markdown table (also
//! written under `target/bench/`) that goes into `docs/performance.md` with this command.

use crate::cmd;

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut command = cmd::cargo(["bench", "--package", "logcore", "--bench", "core", "--"]);
    command.args(args);
    cmd::run(command)?;
    eprintln!("\nxtask bench: tables written under target/bench/");
    Ok(())
}
