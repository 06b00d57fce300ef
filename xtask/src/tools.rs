//! The outside programs tests check our output with, installed when missing: a Python
//! virtual environment under `target/test-python` with `xtask/python-requirements.txt`, and
//! the collectors the remote-sink tests start (rsyslog and ClickHouse, from Debian's packages),
//! and for `cargo xtask bench` syslog-ng's `loggen`.
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

/// The collectors the remote-sink tests start: (program, Debian package).
const COLLECTORS: &[(&str, &str)] = &[("rsyslogd", "rsyslog"), ("clickhouse-server", "clickhouse-server")];

/// Whether `program` is installed (in `PATH`, or in the sbin directories a user's `PATH`
/// often lacks).
fn installed(program: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/sbin".into(), "/usr/bin".into()])
        .any(|dir| dir.join(program).is_file())
}

/// Installs the missing collectors from the Debian packages with apt-get (as root, or through
/// `sudo -n`).
pub(crate) fn install_collectors() -> Result<(), String> {
    let missing: Vec<&str> = COLLECTORS
        .iter()
        .filter(|(program, _)| !installed(program))
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!(
        "xtask test: installing {} (the remote-sink tests run them)",
        missing.join(", ")
    );
    apt_install(&missing)?;
    match COLLECTORS.iter().find(|(program, _)| !installed(program)) {
        None => Ok(()),
        Some((program, package)) => Err(format!("{program} is still missing after installing {package}")),
    }
}

/// `apt-get` as root, or through `sudo -n`.
fn apt(args: &[&str]) -> Command {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let mut c = if root {
        Command::new("apt-get")
    } else {
        let mut c = Command::new("sudo");
        c.args(["-n", "apt-get"]);
        c
    };
    c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
    c
}

/// Installs Debian `packages`, updating the package lists first if the install fails (they may
/// be missing or stale on a fresh machine).
fn apt_install(packages: &[&str]) -> Result<(), String> {
    let mut install_args = vec!["install", "-y", "--no-install-recommends"];
    install_args.extend(packages);
    if cmd::run(apt(&install_args)).is_err() {
        cmd::run(apt(&["update"]))?;
        cmd::run(apt(&install_args))?;
    }
    Ok(())
}

/// syslog-ng's `loggen`, the remote benchmark's peer: the `syslog-ng-core` package unpacked
/// under `target/peers/syslog-ng` (not installed: it conflicts with rsyslog, which the same
/// benchmark runs). Returns the directory it was unpacked in.
pub(crate) fn loggen() -> Result<PathBuf, String> {
    let dir = cmd::root().join("target/peers/syslog-ng");
    let runs = || {
        let mut version = loggen_command(&dir);
        version.arg("--help");
        version.output().is_ok_and(|out| out.status.success())
    };
    if runs() {
        return Ok(dir);
    }
    let download = cmd::root().join("target/peers/download");
    std::fs::create_dir_all(&download).map_err(|e| format!("{}: {e}", download.display()))?;
    let fetch = || {
        let mut c = Command::new("apt-get");
        c.args(["download", "syslog-ng-core"]).current_dir(&download);
        c
    };
    if cmd::run(fetch()).is_err() {
        // The package lists may be missing or stale on a fresh machine.
        cmd::run(apt(&["update"]))?;
        cmd::run(fetch())?;
    }
    let deb = std::fs::read_dir(&download)
        .map_err(|e| format!("{}: {e}", download.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .ok_or("apt-get download syslog-ng-core left no .deb")?;
    let mut unpack = Command::new("dpkg-deb");
    unpack.arg("-x").arg(&deb).arg(&dir);
    cmd::run(unpack)?;
    if !runs() {
        // Its shared libraries come with most systems; install them if they did not.
        apt_install(&["libglib2.0-0", "libssl3", "libpcre2-8-0"])?;
    }
    if runs() {
        Ok(dir)
    } else {
        Err(format!("{}/usr/bin/loggen does not run", dir.display()))
    }
}

/// `loggen` from the package unpacked in `dir`, with its libraries and plugins found there.
fn loggen_command(dir: &std::path::Path) -> Command {
    let mut c = Command::new(dir.join("usr/bin/loggen"));
    c.env("LD_LIBRARY_PATH", dir.join("usr/lib/syslog-ng"))
        .env("SYSLOGNG_PREFIX", dir.join("usr"));
    c
}

/// [`install_collectors`], or under `CI` its error; elsewhere a warning (the tests that need a
/// collector then say they were skipped).
pub(crate) fn collectors_for_tests() -> Result<(), String> {
    match install_collectors() {
        Ok(()) => Ok(()),
        Err(e) if std::env::var_os("CI").is_some() => Err(format!("test collectors: {e}")),
        Err(e) => {
            eprintln!(
                "xtask test: WARNING: could not install rsyslog/clickhouse-server ({e})\n  \
                 the tests against real collectors will say they were skipped"
            );
            Ok(())
        }
    }
}
