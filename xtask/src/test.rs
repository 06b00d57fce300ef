//! `cargo xtask test`: everything CI checks, in order of cost, stopping at the first failure.

use crate::{cmd, tools};

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    if std::env::var_os("CI").is_some() {
        eprintln!("xtask test: running under CI: nothing is skipped");
    }
    cmd::run(cmd::cargo(["fmt", "--all", "--", "--check"]))?;
    cmd::run(cmd::cargo([
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--",
        "-D",
        "warnings",
    ]))?;
    let python = tools::python_for_tests()?;
    tools::collectors_for_tests()?;
    let mut tests = cmd::cargo(["test", "--workspace", "--all-features"]);
    tests.args(args);
    if let Some(python) = python {
        tests.env(tools::TEST_PYTHON, python);
    }
    cmd::run(tests)?;
    let mut docs = cmd::cargo(["doc", "--workspace", "--no-deps"]);
    docs.env("RUSTDOCFLAGS", "-D warnings");
    cmd::run(docs)?;
    eprintln!("\nxtask test: all checks passed");
    Ok(())
}
