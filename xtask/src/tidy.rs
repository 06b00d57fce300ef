//! `cargo xtask tidy`, also run as a test: the house rules a reviewer should not have to check.
//!
//! - every Rust file opens with a `//!` comment saying what it is for;
//! - no trailing whitespace in Rust, Markdown or TOML files;
//! - every crate under `crates/` is a workspace member with a README, inherits the
//!   workspace's package fields, and names other project crates through `workspace = true`
//!   (whose entries are `path` dependencies that exist).

use std::fs;
use std::path::{Path, PathBuf};

use crate::cmd;

pub(crate) fn run() -> Result<(), String> {
    let problems = check(&cmd::root());
    if problems.is_empty() {
        eprintln!("tidy: ok");
        return Ok(());
    }
    for p in &problems {
        eprintln!("tidy: {p}");
    }
    Err(format!("{} tidy problems", problems.len()))
}

/// Every problem found under `root`.
pub(crate) fn check(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let files = files(root);
    for file in &files {
        let rel = file.strip_prefix(root).unwrap_or(file).display().to_string();
        let Ok(text) = fs::read_to_string(file) else {
            continue;
        };
        let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext == "rs"
            && !text
                .lines()
                .find(|l| !l.trim().is_empty())
                .is_some_and(|l| l.starts_with("//!"))
        {
            problems.push(format!(
                "{rel}: does not open with a `//!` comment saying what it is for"
            ));
        }
        for (n, line) in text.lines().enumerate() {
            if line.ends_with(' ') || line.ends_with('\t') {
                problems.push(format!("{rel}:{}: trailing whitespace", n + 1));
            }
        }
    }
    problems.extend(check_workspace(root));
    problems
}

fn files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !name.starts_with('.') && name != "target" && name != "logs" {
                    dirs.push(path);
                }
            } else if matches!(path.extension().and_then(|e| e.to_str()), Some("rs" | "md" | "toml")) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn read_toml(path: &Path) -> Result<toml::Table, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.parse().map_err(|e| format!("{}: {e}", path.display()))
}

fn check_workspace(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let workspace = match read_toml(&root.join("Cargo.toml")) {
        Ok(t) => t,
        Err(e) => return vec![e],
    };
    let members: Vec<String> = workspace["workspace"]["members"]
        .as_array()
        .map(|a| a.iter().filter_map(|m| m.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let deps = workspace["workspace"]
        .get("dependencies")
        .and_then(|d| d.as_table())
        .cloned()
        .unwrap_or_default();
    let crates: Vec<String> = fs::read_dir(root.join("crates"))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    for name in &crates {
        let member = format!("crates/{name}");
        if !members.contains(&member) {
            problems.push(format!("{member} is not a workspace member"));
        }
        if !root.join(&member).join("README.md").is_file() {
            problems.push(format!("{member} has no README.md saying what the crate owns"));
        }
        if let Some(spec) = deps.get(name.as_str())
            && spec.get("path").and_then(|p| p.as_str()) != Some(member.as_str())
        {
            problems.push(format!(
                "workspace dependency `{name}` should be `{{ path = \"{member}\" }}`"
            ));
        }
    }
    for member in &members {
        let manifest = root.join(member).join("Cargo.toml");
        let table = match read_toml(&manifest) {
            Ok(t) => t,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        for field in ["version", "edition", "license"] {
            if table["package"]
                .get(field)
                .and_then(|f| f.get("workspace"))
                .and_then(|w| w.as_bool())
                != Some(true)
            {
                problems.push(format!("{member}/Cargo.toml: `{field}.workspace = true` expected"));
            }
        }
        for section in ["dependencies", "dev-dependencies"] {
            let Some(section_deps) = table.get(section).and_then(|d| d.as_table()) else {
                continue;
            };
            for (dep, spec) in section_deps {
                let internal = crates.iter().any(|c| c == dep);
                let inherits = spec.get("workspace").and_then(|w| w.as_bool()) == Some(true);
                if internal && !inherits {
                    problems.push(format!(
                        "{member}/Cargo.toml: project crate `{dep}` must be `{{ workspace = true }}`"
                    ));
                }
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_is_tidy() {
        let problems = check(&cmd::root());
        assert!(problems.is_empty(), "tidy problems:\n{}", problems.join("\n"));
    }

    #[test]
    fn tidy_finds_what_it_looks_for() {
        let dir = std::env::temp_dir().join(format!("xtask-tidy-{}", std::process::id()));
        let krate = dir.join("crates/thing");
        fs::create_dir_all(krate.join("src")).unwrap();
        fs::write(dir.join("Cargo.toml"), "[workspace]\nmembers = []\n").unwrap();
        fs::write(krate.join("src/lib.rs"), "pub fn f() {}  \n").unwrap();
        let problems = check(&dir).join("\n");
        fs::remove_dir_all(&dir).unwrap();
        assert!(problems.contains("does not open with a `//!` comment"), "{problems}");
        assert!(problems.contains("trailing whitespace"), "{problems}");
        assert!(
            problems.contains("crates/thing is not a workspace member"),
            "{problems}"
        );
        assert!(problems.contains("has no README.md"), "{problems}");
    }
}
