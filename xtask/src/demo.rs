//! `cargo xtask demo`: the console demo, with the terminal handed straight to it so that
//! colour shows.

use crate::cmd;

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut command = cmd::cargo(["run", "--quiet", "--package", "logcore", "--example", "demo", "--"]);
    command.args(args);
    cmd::run(command)
}
