//! The console sink in a real process: the test binary runs itself as a child that installs
//! the logger from the environment, logs, and exits; the parent reads the child's stdout.

use std::process::Command;

use logcore::{Config, RequestId, RequestScope, Stream};

const CHILD: &str = "LOGCORE_CONSOLE_TEST_CHILD";
const LINES: usize = 10_000;

/// The child's work. In the parent (the variable unset) it returns at once: it is the entry
/// point of the child processes started by the tests below, not a test of its own.
#[test]
fn child_entry_point() {
    let Ok(mode) = std::env::var(CHILD) else {
        return;
    };
    let mut config = Config::from_env().unwrap();
    if mode == "stderr" {
        config.console.stream = Stream::Stderr;
    }
    let guard = logcore::install(config).unwrap();
    logcore::debug!(target: "app.main", "debug detail");
    logcore::info!(target: "app.main", "VLLM Server starting up");
    {
        let _scope = RequestScope::enter(RequestId::parse("req_a1b2c3d4").unwrap());
        logcore::warn!(target: "app.routers.generate", tokens = 145; "slow generation");
    }
    for i in 0..LINES {
        logcore::info!(target: "app.load", "line {i}");
    }
    if mode == "exit" {
        logcore::shutdown();
        std::process::exit(0);
    }
    drop(guard);
}

fn run_child(mode: &str, env: &[(&str, &str)]) -> String {
    run_child_both(mode, env).0
}

/// The child's stdout and stderr.
fn run_child_both(mode: &str, env: &[(&str, &str)]) -> (String, String) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", "child_entry_point", "--nocapture", "--test-threads=1"])
        .env(CHILD, mode)
        .env_remove("NO_COLOR")
        .env_remove("LOG_LEVEL")
        .env_remove("CONSOLE_LOG_LEVEL")
        .env_remove("LOG_COLOR")
        .env_remove("RUST_LOG")
        .env("LOG_TIMEZONE", "UTC");
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "child failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// Runs the child on a pseudo-terminal through `script` (util-linux, on every Debian system),
/// so that stdout is a terminal as it is for a person.
fn run_child_on_terminal(env: &[(&str, &str)]) -> String {
    let exe = std::env::current_exe().unwrap();
    let child = format!(
        "'{}' --exact child_entry_point --nocapture --test-threads=1",
        exe.display()
    );
    let mut command = Command::new("script");
    command
        .args(["-qec", &child, "/dev/null"])
        .env(CHILD, "drop")
        .env_remove("NO_COLOR")
        .env_remove("LOG_COLOR")
        .env_remove("LOG_LEVEL")
        .env_remove("CONSOLE_LOG_LEVEL");
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command
        .output()
        .expect("`script` (util-linux) runs the child on a terminal; install bsdutils");
    assert!(
        output.status.success(),
        "child failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn log_lines(stdout: &str) -> Vec<&str> {
    stdout.lines().filter(|l| l.contains(" | ")).collect()
}

#[test]
fn piped_stdout_gets_plain_pipe_lines_and_every_line_arrives() {
    let out = run_child("drop", &[]);
    let lines = log_lines(&out);
    assert_eq!(lines.len(), 2 + LINES, "INFO and up, every line, nothing lost at exit");
    assert!(
        !out.contains('\x1b'),
        "auto colour is off when stdout is not a terminal"
    );
    let start = lines[0];
    assert!(
        start.ends_with(
            " | INFO     | app.main              | child_entry_point    | no-req       | VLLM Server starting up"
        ),
        "{start}"
    );
    assert!(
        lines[1].contains(
            " | WARNING  | app.routers.generate  | child_entry_point    | req_a1b2c3d4 | slow generation tokens=145"
        ),
        "{}",
        lines[1]
    );
    assert!(lines.last().unwrap().ends_with(&format!("line {}", LINES - 1)));
}

#[test]
fn log_color_always_colours_the_level() {
    let out = run_child("drop", &[("LOG_COLOR", "always")]);
    assert!(out.contains("\x1b[32mINFO    \x1b[0m"), "INFO in green");
    assert!(out.contains("\x1b[33mWARNING \x1b[0m"), "WARNING in yellow");
}

#[test]
fn the_console_can_write_to_stderr() {
    let (stdout, stderr) = run_child_both("stderr", &[]);
    assert!(log_lines(&stdout).is_empty(), "nothing logged on stdout: {stdout}");
    assert_eq!(log_lines(&stderr).len(), 2 + LINES);
}

#[test]
fn on_a_terminal_auto_colours_unless_no_color_is_set() {
    // `script -qec` is util-linux's; elsewhere (a macOS laptop) there is no such pseudo-terminal
    // runner, and the colour decision itself is covered by `ColorMode::resolve`'s tests.
    if !cfg!(target_os = "linux") {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs on Linux, where this test must run"
        );
        eprintln!("SKIPPED: the terminal test needs util-linux's `script` (Linux only)");
        return;
    }
    let out = run_child_on_terminal(&[]);
    assert!(
        out.contains("\x1b[32mINFO    \x1b[0m"),
        "auto colours on a terminal: {out:?}"
    );
    let out = run_child_on_terminal(&[("NO_COLOR", "1")]);
    assert!(
        out.contains("| INFO     |") && !out.contains('\x1b'),
        "NO_COLOR turns auto off: {out:?}"
    );
    let out = run_child_on_terminal(&[("NO_COLOR", "")]);
    assert!(out.contains("\x1b[32m"), "an empty NO_COLOR counts as unset");
}

#[test]
fn levels_from_the_environment_filter_the_console() {
    let out = run_child("drop", &[("LOG_LEVEL", "debug")]);
    assert!(out.contains("| DEBUG    |"), "LOG_LEVEL=debug shows DEBUG");
    let out = run_child("drop", &[("LOG_LEVEL", "debug"), ("CONSOLE_LOG_LEVEL", "warning")]);
    assert_eq!(log_lines(&out).len(), 1, "only the WARNING reaches the console: {out}");
}

#[test]
fn process_exit_after_shutdown_loses_nothing() {
    let out = run_child("exit", &[("LOG_FORMAT", "compact")]);
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| l.contains(" - INFO - ") || l.contains(" - WARNING - "))
        .collect();
    assert_eq!(lines.len(), 2 + LINES);
    assert!(
        lines
            .iter()
            .any(|l| l.ends_with(" - WARNING - [req_a1b2c3d4] slow generation tokens=145"))
    );
}
