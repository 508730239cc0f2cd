//! What a run is configured with. Each value comes from a command-line flag, else the project's
//! configuration ([`Config`]), else a default (the catalog's, for a rule's level), and keeps
//! where it came from: `ptrwidth config` prints [`Settings::describe`].

use std::path::PathBuf;
use std::sync::Arc;

use crate::cache::CacheDir;
use crate::catalog;
use crate::config::{Config, Source};
use crate::dependencies;
use crate::discover::Exclude;
use crate::engine::{Options, Policy, Progress};
use crate::knowledge::Knowledge;
use crate::report::Package;
use crate::rules::{self, LevelSource, Levels, RuleLevel};
use crate::source;
use crate::target::{self, Target};
use crate::workspace::{Selection, Workspace};

/// What the command line says, before the configuration and the defaults fill in the rest.
#[derive(Clone, Debug, Default)]
pub struct Flags {
    /// Files or directories to lint; `.`, or the cargo workspace, when empty.
    pub paths: Vec<PathBuf>,
    /// `--target`, repeatable.
    pub targets: Vec<String>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub max_file_size: Option<u64>,
    pub cache_dir: Option<PathBuf>,
    pub no_cache: bool,
    /// The packages to lint, under `cargo ptrwidth`; `None` for `ptrwidth`.
    pub cargo: Option<Selection>,
}

/// A value and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sourced<T> {
    pub value: T,
    pub source: Source,
}

/// Everything a run is configured with, after flags, configuration and defaults are merged.
pub struct Settings {
    pub paths: Vec<PathBuf>,
    /// The project's configuration, for what only it sets (its own types and functions).
    pub config: Config,
    pub targets: Sourced<Vec<Target>>,
    pub exclude: Sourced<Vec<String>>,
    pub max_file_size: Sourced<u64>,
    /// What the engine decides each rule's level from.
    pub levels: Levels,
    /// Every catalog rule's level, in catalog order.
    pub rules: Vec<(&'static str, Sourced<RuleLevel>)>,
    /// The workspace's packages, to attribute findings to (`cargo ptrwidth`).
    pub packages: Vec<Package>,
    /// Directories of workspace members not linted that lie inside members that are.
    pub skipped_dirs: Vec<PathBuf>,
    pub cache: Option<CacheDir>,
}

impl Settings {
    /// Fills in what the flags leave open from the configuration found above the first path
    /// (no higher than the cargo workspace's root), then from the defaults. An error is a
    /// usage error: a workspace cargo cannot read, a configuration that does not load, a
    /// target or rule that does not exist.
    pub fn resolve(flags: &Flags) -> Result<Settings, String> {
        let catalog = catalog::all().map_err(|e| format!("internal error: {e}"))?;
        let (paths, workspace) = match &flags.cargo {
            Some(selection) if flags.paths.is_empty() => {
                let workspace = Workspace::read(selection)?;
                (workspace.dirs.clone(), Some(workspace))
            }
            // Paths given: the workspace only attributes findings to packages, when there is
            // one.
            Some(selection) => (flags.paths.clone(), Workspace::read(selection).ok()),
            None if flags.paths.is_empty() => (vec![PathBuf::from(".")], None),
            None => (flags.paths.clone(), None),
        };
        let cache = cache_dir(flags, workspace.as_ref().map(|w| &w.target_dir));
        let config = Config::discover(&paths[0], workspace.as_ref().map(|w| w.root.as_path()))?;
        let (triples, targets_source) = if !flags.targets.is_empty() {
            (flags.targets.clone(), Source::Flag("--target"))
        } else if let Some(targets) = &config.targets {
            (targets.clone(), config.source())
        } else {
            let configured = target::cargo_config_targets(&paths[0])?;
            if configured.is_empty() {
                (vec![target::DEFAULT_TRIPLE.to_string()], Source::Default)
            } else {
                (configured, Source::CargoConfig)
            }
        };
        let mut targets = Sourced {
            value: Vec::new(),
            source: targets_source,
        };
        for triple in triples {
            let target = Target::parse(&triple)?;
            if !targets.value.contains(&target) {
                targets.value.push(target);
            }
        }
        for name in flags.select.iter().chain(&flags.ignore) {
            if catalog::get(name).is_none() {
                return Err(unknown_rule(name));
            }
        }
        let levels = Levels {
            configured: config.rules.clone(),
            select: flags.select.clone(),
            ignore: flags.ignore.clone(),
        };
        let rules = catalog
            .iter()
            .map(|doc| {
                let name = doc.name.as_str();
                let (level, decided_by) = levels.decide(name, None);
                let source = match decided_by {
                    LevelSource::Default => Source::Default,
                    LevelSource::Configuration => config.source(),
                    LevelSource::Select => Source::Flag("--select"),
                    LevelSource::Ignore => Source::Flag("--ignore"),
                };
                let value = RuleLevel::reporting_at(level);
                (name, Sourced { value, source })
            })
            .collect();
        let (value, source) = match (flags.max_file_size, config.max_file_size) {
            (Some(bytes), _) => (bytes, Source::Flag("--max-file-size")),
            (None, Some(bytes)) => (bytes, config.source()),
            (None, None) => (source::MAX_FILE_BYTES, Source::Default),
        };
        let max_file_size = Sourced { value, source };
        let exclude = Sourced {
            value: config.exclude.clone(),
            source: if config.exclude.is_empty() {
                Source::Default
            } else {
                config.source()
            },
        };
        let (packages, skipped_dirs) = match workspace {
            Some(workspace) if flags.paths.is_empty() => {
                (workspace.packages, workspace.skipped_dirs)
            }
            Some(workspace) => (workspace.packages, Vec::new()),
            None => (Vec::new(), Vec::new()),
        };
        Ok(Settings {
            paths,
            config,
            targets,
            exclude,
            max_file_size,
            levels,
            rules,
            packages,
            skipped_dirs,
            cache,
        })
    }

    /// The paths given that name nothing, each with why: a mistyped command line, never a tree
    /// that happens to be clean. (A dangling or looping link is there, and unreadable, like
    /// any other file that cannot be read.)
    pub fn missing_paths(&self) -> Vec<String> {
        self.paths
            .iter()
            .filter_map(|path| {
                let error = std::fs::symlink_metadata(path).err()?;
                Some(format!("{}: {error}", path.display()))
            })
            .collect()
    }

    /// The Win32 knowledge with the project's own types and functions.
    pub fn knowledge(&self) -> Result<Knowledge, String> {
        let mut knowledge = Knowledge::load().map_err(|e| format!("internal error: {e}"))?;
        self.config.extend(&mut knowledge);
        Ok(knowledge)
    }

    /// What the engine lints: every rule may run, [`Settings::policy`] says which do.
    pub fn options(&self, jobs: Option<usize>) -> Options {
        Options {
            paths: self.paths.clone(),
            excluded_dirs: self.skipped_dirs.clone(),
            targets: self.targets.value.clone(),
            rules: rules::ALL.iter().collect(),
            jobs,
            cache: self.cache.clone(),
            cargo_home: dependencies::cargo_home(),
        }
    }

    pub fn policy(&self, progress: Option<Arc<Progress>>) -> Result<Policy, String> {
        Ok(Policy {
            exclude: Exclude::new(&self.config.base, &self.exclude.value)?,
            levels: self.levels.clone(),
            progress,
            max_file_bytes: self.max_file_size.value,
            c_include: self.config.c_include.clone(),
            c_defines: self.config.c_defines.clone(),
        })
    }

    /// The settings as a configuration file, each value followed by where it came from.
    pub fn describe(&self) -> String {
        let quoted = |items: &[String]| {
            items
                .iter()
                .map(|i| format!("{i:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let config = &self.config;
        let file = config.source();
        let mut out = match &config.file {
            Some(source) => format!("# configuration: {source}\n"),
            None => "# no ptrwidth.toml, .ptrwidth.toml or Cargo.toml metadata found: defaults\n"
                .to_string(),
        };
        let triples: Vec<String> = self
            .targets
            .value
            .iter()
            .map(|t| t.triple.clone())
            .collect();
        out.push_str(&format!(
            "targets = [{}]  # {}\n",
            quoted(&triples),
            self.targets.source
        ));
        out.push_str(&format!(
            "exclude = [{}]  # {}\n",
            quoted(&self.exclude.value),
            self.exclude.source
        ));
        out.push_str(&format!(
            "max-file-size = {}  # {}\n\n[rules]\n",
            self.max_file_size.value, self.max_file_size.source
        ));
        for (name, level) in &self.rules {
            out.push_str(&format!(
                "{name} = \"{}\"  # {}\n",
                level.value.as_str(),
                level.source
            ));
        }
        if !config.handles.is_empty() {
            out.push_str("\n[handles]\n");
            for (name, kind) in &config.handles {
                let kind = match kind {
                    crate::model::ty::HandleKind::Address => "address",
                    crate::model::ty::HandleKind::Shared => "shared",
                };
                out.push_str(&format!("{name} = \"{kind}\"  # {file}\n"));
            }
        }
        if !config.integers.is_empty() {
            out.push_str("\n[integers]\n");
            for (name, primitive) in &config.integers {
                out.push_str(&format!("{name} = \"{primitive}\"  # {file}\n"));
            }
        }
        if !config.functions.is_empty() {
            out.push_str("\n[functions]\n");
            for (name, signature) in &config.functions {
                let ret = signature
                    .ret
                    .as_ref()
                    .map(|r| format!(", ret = {r:?}"))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "{name} = {{ params = [{}]{ret} }}  # {file}\n",
                    quoted(&signature.params)
                ));
            }
        }
        out
    }
}

/// A cache directory named on the command line is the user's own choice, wherever it leads.
/// The default one lies in cargo's target directory, which a clone can fill with symbolic
/// links of its own: it must not lead out of the target directory, which is where cargo itself
/// writes.
fn cache_dir(flags: &Flags, target_dir: Option<&PathBuf>) -> Option<CacheDir> {
    match (&flags.cache_dir, target_dir) {
        _ if flags.no_cache => None,
        (Some(dir), _) => Some(CacheDir::new(dir, &[])),
        (None, Some(target_dir)) => Some(CacheDir::new(
            &target_dir.join("ptrwidth-cache"),
            std::slice::from_ref(target_dir),
        )),
        (None, None) => user_cache_dir().map(|dir| CacheDir::new(&dir, &[])),
    }
}

/// Where the platform keeps a user's caches: `%LOCALAPPDATA%\ptrwidth\cache` on Windows,
/// `~/Library/Caches/ptrwidth` on macOS, `$XDG_CACHE_HOME/ptrwidth` or `~/.cache/ptrwidth`
/// elsewhere; `None` (no cache) when the environment names no home.
fn user_cache_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if cfg!(windows) {
        return var("LOCALAPPDATA").map(|dir| dir.join("ptrwidth").join("cache"));
    }
    if cfg!(target_os = "macos") {
        return var("HOME").map(|home| home.join("Library/Caches/ptrwidth"));
    }
    var("XDG_CACHE_HOME")
        .or_else(|| var("HOME").map(|home| home.join(".cache")))
        .map(|dir| dir.join("ptrwidth"))
}

/// The error for a rule name the catalog does not hold, with the nearest name if one is close.
pub fn unknown_rule(name: &str) -> String {
    match crate::suggest::nearest(name, catalog::names()) {
        Some(near) => format!("unknown rule `{name}`; did you mean `{near}`?"),
        None => format!(
            "unknown rule `{name}`; rules are: {}",
            catalog::names().collect::<Vec<_>>().join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Level;

    /// A repository (so the search for a configuration stops in it) holding `ptrwidth.toml`.
    fn project(config: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::write(dir.path().join("ptrwidth.toml"), config).unwrap();
        dir
    }

    fn resolve(dir: &tempfile::TempDir, flags: Flags) -> Settings {
        Settings::resolve(&Flags {
            paths: vec![dir.path().to_path_buf()],
            no_cache: true,
            ..flags
        })
        .unwrap()
    }

    fn configured(dir: &tempfile::TempDir) -> Source {
        Source::File {
            path: dir.path().join("ptrwidth.toml"),
            table: None,
        }
    }

    fn rule(settings: &Settings, name: &str) -> (RuleLevel, Source) {
        let (_, level) = settings.rules.iter().find(|(n, _)| *n == name).unwrap();
        (level.value, level.source.clone())
    }

    fn names(list: &str) -> Vec<String> {
        list.split(',').map(str::to_string).collect()
    }

    const CONFIG: &str = r#"
        [rules]
        handle-truncation = "warn"
        int-to-handle = "allow"
        unused-allow = "deny"
    "#;

    #[test]
    fn the_configuration_sets_a_rule_the_flags_leave_alone_and_the_catalog_the_rest() {
        let dir = project(CONFIG);
        let settings = resolve(&dir, Flags::default());
        assert_eq!(
            rule(&settings, "handle-truncation"),
            (RuleLevel::Warn, configured(&dir))
        );
        assert_eq!(
            rule(&settings, "int-to-handle"),
            (RuleLevel::Allow, configured(&dir))
        );
        assert_eq!(
            rule(&settings, "unused-allow"),
            (RuleLevel::Deny, configured(&dir))
        );
        assert_eq!(
            rule(&settings, "window-long-ptr"),
            (RuleLevel::Deny, Source::Default)
        );
        assert_eq!(
            rule(&settings, "wow64-path"),
            (RuleLevel::Warn, Source::Default)
        );
        // The engine reads the same decision: a configured level replaces the one a rule gives
        // a finding, and the rule's own stands where nothing is configured.
        let levels = &settings.levels;
        let of = |name, own| levels.decide(name, own).0;
        assert_eq!(
            of("handle-truncation", Some(Level::Error)),
            Some(Level::Warning)
        );
        assert_eq!(of("int-to-handle", Some(Level::Error)), None);
        assert_eq!(
            of("window-long-ptr", Some(Level::Warning)),
            Some(Level::Warning)
        );
        assert_eq!(of("window-long-ptr", None), Some(Level::Error));
        assert_eq!(of("unused-allow", None), Some(Level::Error));
    }

    #[test]
    fn ignore_turns_a_rule_off_whatever_the_configuration_says() {
        let dir = project(CONFIG);
        let flags = Flags {
            ignore: names("handle-truncation,window-long-ptr"),
            ..Flags::default()
        };
        let settings = resolve(&dir, flags);
        for name in ["handle-truncation", "window-long-ptr"] {
            assert_eq!(
                rule(&settings, name),
                (RuleLevel::Allow, Source::Flag("--ignore"))
            );
        }
        assert_eq!(
            rule(&settings, "int-to-handle"),
            (RuleLevel::Allow, configured(&dir))
        );
        assert_eq!(
            rule(&settings, "wow64-path"),
            (RuleLevel::Warn, Source::Default)
        );
    }

    /// `ptrwidth --select handle-truncation,int-to-handle,window-long-ptr`: a configured
    /// `warn` still applies, a configured `allow` does not turn a selected rule off, and every
    /// rule not named is off.
    #[test]
    fn select_runs_only_the_rules_it_names() {
        let dir = project(CONFIG);
        let flags = Flags {
            select: names("handle-truncation,int-to-handle,window-long-ptr"),
            ..Flags::default()
        };
        let settings = resolve(&dir, flags);
        assert_eq!(
            rule(&settings, "handle-truncation"),
            (RuleLevel::Warn, configured(&dir))
        );
        assert_eq!(
            rule(&settings, "int-to-handle"),
            (RuleLevel::Deny, Source::Flag("--select"))
        );
        assert_eq!(
            rule(&settings, "window-long-ptr"),
            (RuleLevel::Deny, Source::Flag("--select"))
        );
        for name in ["unused-allow", "wow64-path", "ffi-width-mismatch"] {
            assert_eq!(
                rule(&settings, name),
                (RuleLevel::Allow, Source::Flag("--select"))
            );
        }
        let levels = &settings.levels;
        assert_eq!(
            levels.decide("int-to-handle", Some(Level::Warning)).0,
            Some(Level::Warning),
            "a selected rule keeps the level it gives a finding"
        );
    }

    #[test]
    fn ignore_wins_over_select() {
        let dir = project("");
        let flags = Flags {
            select: names("handle-truncation,window-long-ptr"),
            ignore: names("window-long-ptr"),
            ..Flags::default()
        };
        let settings = resolve(&dir, flags);
        assert_eq!(
            rule(&settings, "window-long-ptr"),
            (RuleLevel::Allow, Source::Flag("--ignore"))
        );
        assert_eq!(
            rule(&settings, "handle-truncation"),
            (RuleLevel::Deny, Source::Flag("--select"))
        );
    }

    #[test]
    fn every_rule_of_the_catalog_is_described_once_in_catalog_order() {
        let dir = project("");
        let settings = resolve(&dir, Flags::default());
        let described: Vec<&str> = settings.rules.iter().map(|(name, _)| *name).collect();
        assert_eq!(described, catalog::names().collect::<Vec<_>>());
        assert!(rules::ALL.iter().all(|rule| described.contains(&rule.name)));
    }

    #[test]
    fn a_rule_the_catalog_does_not_hold_is_refused_with_the_nearest_name() {
        let dir = project("");
        for flags in [
            Flags {
                select: names("handle-trunc"),
                ..Flags::default()
            },
            Flags {
                ignore: names("handle-trunc"),
                ..Flags::default()
            },
        ] {
            let error = Settings::resolve(&Flags {
                paths: vec![dir.path().to_path_buf()],
                ..flags
            })
            .err()
            .unwrap();
            assert_eq!(
                error,
                "unknown rule `handle-trunc`; did you mean `handle-truncation`?"
            );
        }
    }

    #[test]
    fn targets_come_from_the_flag_then_the_configuration_then_cargo() {
        let dir = project("targets = [\"i686-pc-windows-msvc\"]\n");
        std::fs::create_dir(dir.path().join(".cargo")).unwrap();
        std::fs::write(
            dir.path().join(".cargo/config.toml"),
            "[build]\ntarget = \"aarch64-pc-windows-msvc\"\n",
        )
        .unwrap();
        let triples = |settings: &Settings| {
            let triples: Vec<String> = settings
                .targets
                .value
                .iter()
                .map(|t| t.triple.clone())
                .collect();
            (triples, settings.targets.source.clone())
        };
        let flags = Flags {
            targets: names("x86_64-pc-windows-gnu,x86_64-pc-windows-gnu"),
            ..Flags::default()
        };
        assert_eq!(
            triples(&resolve(&dir, flags)),
            (names("x86_64-pc-windows-gnu"), Source::Flag("--target"))
        );
        assert_eq!(
            triples(&resolve(&dir, Flags::default())),
            (names("i686-pc-windows-msvc"), configured(&dir))
        );
        std::fs::write(dir.path().join("ptrwidth.toml"), "").unwrap();
        assert_eq!(
            triples(&resolve(&dir, Flags::default())),
            (names("aarch64-pc-windows-msvc"), Source::CargoConfig)
        );
    }

    #[test]
    fn the_file_size_limit_comes_from_the_flag_then_the_configuration_then_the_default() {
        let dir = project("max-file-size = 1000\n");
        let flags = Flags {
            max_file_size: Some(10),
            ..Flags::default()
        };
        assert_eq!(
            resolve(&dir, flags).max_file_size,
            Sourced {
                value: 10,
                source: Source::Flag("--max-file-size")
            }
        );
        assert_eq!(
            resolve(&dir, Flags::default()).max_file_size,
            Sourced {
                value: 1000,
                source: configured(&dir)
            }
        );
        let dir = project("");
        let settings = resolve(&dir, Flags::default());
        assert_eq!(
            settings.max_file_size,
            Sourced {
                value: source::MAX_FILE_BYTES,
                source: Source::Default
            }
        );
        assert_eq!(
            settings.policy(None).unwrap().max_file_bytes,
            source::MAX_FILE_BYTES
        );
    }

    /// `ptrwidth config` on a `Cargo.toml` with `[package.metadata.ptrwidth]`.
    #[test]
    fn the_description_says_where_each_value_came_from() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[package.metadata.ptrwidth]\ntargets = [\"i686-pc-windows-msvc\"]\nexclude = [\"vendor/**\"]\n[package.metadata.ptrwidth.rules]\nwow64-path = \"deny\"\n[package.metadata.ptrwidth.integers]\nMY_COOKIE = \"u32\"\n",
        )
        .unwrap();
        let flags = Flags {
            ignore: names("int-to-handle"),
            ..Flags::default()
        };
        let described = resolve(&dir, flags).describe();
        let file = format!(
            "{} [package.metadata.ptrwidth]",
            dir.path().join("Cargo.toml").display()
        );
        for line in [
            format!("# configuration: {file}"),
            format!("targets = [\"i686-pc-windows-msvc\"]  # {file}"),
            format!("exclude = [\"vendor/**\"]  # {file}"),
            "max-file-size = 16777216  # default".to_string(),
            format!("wow64-path = \"deny\"  # {file}"),
            "int-to-handle = \"allow\"  # --ignore".to_string(),
            "window-long-ptr = \"deny\"  # default".to_string(),
            format!("MY_COOKIE = \"u32\"  # {file}"),
        ] {
            assert!(
                described.lines().any(|l| l == line),
                "{line:?} in:\n{described}"
            );
        }
    }
}
