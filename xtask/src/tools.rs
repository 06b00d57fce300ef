//! The outside programs tests check our output with, installed when missing: a Python
//! virtual environment under `target/test-python` with `xtask/python-requirements.txt`.
//!
//! Under `CI` a tool that cannot be installed fails the run; elsewhere a warning says which
//! tests will report themselves skipped.

use std::path::PathBuf;
use std::process::Command;

use crate::cmd;

/// The environment variable through which tests find the Python interpreter.
pub(crate) const TEST_PYTHON: &str = "TEST_PYTHON";

/// The venv's interpreter, after installing what is missing.
pub(crate) fn python() -> Result<PathBuf, String> {
    let root = cmd::root();
    let venv = root.join("target/test-python");
    let python = venv.join("bin/python");
    let requirements = root.join("xtask/python-requirements.txt");
    let stamp = venv.join("requirements.txt");
    let wanted = std::fs::read_to_string(&requirements).map_err(|e| format!("{}: {e}", requirements.display()))?;
    if python.exists() && std::fs::read_to_string(&stamp).is_ok_and(|have| have == wanted) {
        return Ok(python);
    }
    if !python.exists() {
        let mut make = Command::new("python3");
        make.args(["-m", "venv"]).arg(&venv);
        cmd::run(make).map_err(|e| format!("{e}; python3 with its venv module is needed for the tests"))?;
    }
    let mut install = Command::new(&python);
    install
        .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r"])
        .arg(&requirements);
    cmd::run(install)?;
    std::fs::write(&stamp, wanted).map_err(|e| format!("{}: {e}", stamp.display()))?;
    Ok(python)
}

/// [`python`], or under `CI` its error; elsewhere a warning and `None`.
pub(crate) fn python_for_tests() -> Result<Option<PathBuf>, String> {
    match python() {
        Ok(p) => Ok(Some(p)),
        Err(e) if std::env::var_os("CI").is_some() => Err(format!("test tools: {e}")),
        Err(e) => {
            eprintln!(
                "xtask test: WARNING: {e}\n  tests that parse our output with Python's libraries will say they were skipped"
            );
            Ok(None)
        }
    }
}
