//! Per-target level directives in `RUST_LOG`'s syntax, and target prefix matching.
//!
//! `info,hyper=warn,inference_demo::engine=debug` sets the default to INFO, HYPER's records to
//! WARNING and above, and the engine's to DEBUG and above. A bare target (`hyper`) means every
//! level for it. The longest matching target wins, whatever the order.

use std::fmt;

use crate::LevelFilter;

/// Whether `target` is `prefix` or lies under it (`a::b` is under `a`; `ab` is not).
/// Both Rust paths (`::`) and dotted names (`app.main`) are understood.
pub(crate) fn target_matches(target: &str, prefix: &str) -> bool {
    match target.strip_prefix(prefix) {
        Some("") => true,
        Some(rest) => prefix.is_empty() || rest.starts_with("::") || rest.starts_with('.'),
        None => false,
    }
}

/// Parsed directives: an optional default and per-target filters.
///
/// ```
/// use logcore::{Directives, LevelFilter};
/// let d: Directives = "info,hyper=warn,inference_demo::engine=debug".parse().unwrap();
/// assert_eq!(d.default_level(), Some(LevelFilter::INFO));
/// assert_eq!(d.level_for("inference_demo::engine::sampler"), Some(LevelFilter::DEBUG));
/// assert_eq!(d.level_for("hyper::proto"), Some(LevelFilter::WARNING));
/// assert_eq!(d.level_for("inference_demo::http"), None);
/// assert_eq!(d.to_string(), "info,hyper=warning,inference_demo::engine=debug");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Directives {
    default: Option<LevelFilter>,
    // Sorted by decreasing target length, so the first match is the most specific.
    targets: Vec<(String, LevelFilter)>,
}

impl Directives {
    /// The bare level, if one was given.
    pub fn default_level(&self) -> Option<LevelFilter> {
        self.default
    }

    /// The filter for `target` from its most specific directive, if any directive matches.
    pub fn level_for(&self, target: &str) -> Option<LevelFilter> {
        self.targets
            .iter()
            .find(|(prefix, _)| target_matches(target, prefix))
            .map(|(_, level)| *level)
    }

    /// Per-target directives, most specific first.
    pub fn targets(&self) -> impl Iterator<Item = (&str, LevelFilter)> {
        self.targets.iter().map(|(t, l)| (t.as_str(), *l))
    }

    /// Whether there are no per-target directives.
    pub fn has_targets(&self) -> bool {
        !self.targets.is_empty()
    }

    /// Sets (or replaces) the filter for `target`.
    pub fn set(&mut self, target: &str, level: LevelFilter) {
        self.targets.retain(|(t, _)| t != target);
        self.targets.push((target.to_owned(), level));
        self.targets
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
    }

    /// Removes the directive for exactly `target`; returns whether there was one.
    pub fn remove(&mut self, target: &str) -> bool {
        let before = self.targets.len();
        self.targets.retain(|(t, _)| t != target);
        before != self.targets.len()
    }

    /// Sets the bare level.
    pub fn set_default(&mut self, level: Option<LevelFilter>) {
        self.default = level;
    }

    /// The most verbose filter any directive asks for (for the `log` crate's max level).
    pub(crate) fn most_verbose(&self) -> Option<LevelFilter> {
        self.targets.iter().map(|(_, l)| *l).reduce(LevelFilter::most_verbose)
    }
}

impl fmt::Display for Directives {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = self.default.iter().map(|l| l.to_string()).collect();
        let mut targets: Vec<_> = self.targets.iter().collect();
        targets.sort_by(|a, b| a.0.cmp(&b.0));
        parts.extend(targets.iter().map(|(t, l)| format!("{t}={l}")));
        f.write_str(&parts.join(","))
    }
}

impl std::str::FromStr for Directives {
    type Err = String;

    /// Parses `RUST_LOG` syntax; the error says which part is wrong and what was expected.
    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let mut d = Directives::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if part.contains('/') {
                return Err(format!(
                    "{part:?}: regular-expression filters (`/...`) are not supported"
                ));
            }
            match part.split_once('=') {
                Some((target, level)) => {
                    let target = target.trim();
                    if target.is_empty() {
                        return Err(format!("{part:?}: expected target=level with a target"));
                    }
                    let level = level
                        .parse::<LevelFilter>()
                        .map_err(|expected| format!("{part:?}: level {:?}: expected {expected}", level.trim()))?;
                    d.set(target, level);
                }
                None => match part.parse::<LevelFilter>() {
                    Ok(level) => d.default = Some(level),
                    // A bare word that is not a level names a target: everything from it.
                    Err(_) if is_target_name(part) => d.set(part, LevelFilter::TRACE),
                    Err(expected) => {
                        return Err(format!("{part:?}: expected {expected}, or a target name"));
                    }
                },
            }
        }
        Ok(d)
    }
}

fn is_target_name(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '.' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_matching_respects_path_boundaries() {
        assert!(target_matches("a::b", "a"));
        assert!(target_matches("a", "a"));
        assert!(target_matches("app.main", "app"));
        assert!(!target_matches("ab", "a"));
        assert!(!target_matches("b::a", "a"));
        assert!(target_matches("anything", ""));
    }

    #[test]
    fn most_specific_directive_wins_whatever_the_order() {
        let d: Directives = "a::b::c=error,a=debug,a::b=warn".parse().unwrap();
        assert_eq!(d.level_for("a::b::c::d"), Some(LevelFilter::ERROR));
        assert_eq!(d.level_for("a::b::x"), Some(LevelFilter::WARNING));
        assert_eq!(d.level_for("a::z"), Some(LevelFilter::DEBUG));
        assert_eq!(d.most_verbose(), Some(LevelFilter::DEBUG));
    }

    #[test]
    fn bare_target_means_everything_and_case_is_ignored() {
        let d: Directives = "WARN,hyper,tower=OFF".parse().unwrap();
        assert_eq!(d.default_level(), Some(LevelFilter::WARNING));
        assert_eq!(d.level_for("hyper::client"), Some(LevelFilter::TRACE));
        assert_eq!(d.level_for("tower"), Some(LevelFilter::Off));
    }

    #[test]
    fn errors_name_the_bad_part() {
        let err = "info,hyper=loud".parse::<Directives>().unwrap_err();
        assert_eq!(
            err,
            "\"hyper=loud\": level \"loud\": expected one of trace, debug, info, warning, error, critical (or off)"
        );
        assert!("=debug".parse::<Directives>().unwrap_err().contains("with a target"));
        assert!("app/foo".parse::<Directives>().unwrap_err().contains("not supported"));
        assert!(
            "bad level!"
                .parse::<Directives>()
                .unwrap_err()
                .contains("a target name")
        );
    }

    #[test]
    fn set_and_remove_at_run_time() {
        let mut d = Directives::default();
        d.set("x", LevelFilter::DEBUG);
        d.set("x", LevelFilter::ERROR);
        assert_eq!(d.level_for("x"), Some(LevelFilter::ERROR));
        assert!(d.remove("x"));
        assert!(!d.has_targets());
    }
}
