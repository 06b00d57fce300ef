//! Project tasks, run as `cargo xtask <command>`:
//!
//! - `demo`: builds and runs the demos: console, log files, performance monitoring.
//! - `test`: formatting, lints, every test and doctest, and the docs build; what CI runs.
//! - `bench`: the benchmarks, in release mode, with a table of results.
//! - `tidy`: the repository's house rules (also run as a test by `test`).

mod bench;
mod cmd;
mod demo;
mod test;
mod tidy;
mod tools;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <demo|test|bench|tidy> [args]

  demo    run the demos: console, log files, performance monitoring and the GPU probe
  test    cargo fmt --check, clippy -D warnings, every test and doctest, cargo doc
  bench   run the benchmarks (release) and print the table for docs/performance.md
  tidy    check module docs, trailing whitespace and workspace dependencies";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("demo") => demo::run(&args[1..]),
        Some("test") => test::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("tidy") => tidy::run(),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
