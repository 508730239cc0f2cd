//! Project configuration: `ptrwidth.toml` or `.ptrwidth.toml`, else `[package.metadata.ptrwidth]`
//! or `[workspace.metadata.ptrwidth]` in a `Cargo.toml`, whichever is nearest going up from the
//! linted path. Every value remembers where it came from, for `ptrwidth config`.
//!
//! ```toml
//! targets = ["x86_64-pc-windows-msvc", "i686-pc-windows-msvc"]
//! exclude = ["vendor/**", "*.generated.rs"]
//! max-file-size = 16777216          # bytes; larger source files are skipped
//! [rules]
//! handle-truncation = "deny"        # allow | warn | deny
//! [handles]
//! MYHANDLE = "address"              # or "shared"
//! [integers]
//! MY_COOKIE = "u32"
//! [functions]
//! app_store_handle = { params = ["HWND", "u32"], ret = "BOOL" }
//! [c]                               # C and C++ units a compile_commands.json does not list
//! include = ["include", "src"]      # the include path, relative to this file
//! defines = ["UNICODE", "LEVEL=2"]  # as -D gives them
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

use crate::catalog;
use crate::knowledge::Knowledge;
use crate::model::ty::{HandleKind, IntTy};
use crate::rules::RuleLevel;
use crate::source::{self, MAX_FILE_BYTES};
use crate::suggest;

const FILE_NAMES: [&str; 2] = ["ptrwidth.toml", ".ptrwidth.toml"];
const KEYS: [&str; 8] = [
    "targets",
    "exclude",
    "max-file-size",
    "rules",
    "handles",
    "integers",
    "functions",
    "c",
];
const C_KEYS: [&str; 2] = ["include", "defines"];
const FUNCTION_KEYS: [&str; 2] = ["params", "ret"];

/// Where a setting's value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Default,
    /// A configuration file, and the table in it (`[package.metadata.ptrwidth]`), if any.
    File {
        path: PathBuf,
        table: Option<&'static str>,
    },
    /// `build.target` in a cargo configuration file.
    CargoConfig,
    /// A command-line flag.
    Flag(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File { path, table: None } => write!(f, "{}", path.display()),
            Source::File {
                path,
                table: Some(table),
            } => write!(f, "{} [{table}]", path.display()),
            Source::CargoConfig => f.write_str("build.target in .cargo/config.toml"),
            Source::Flag(flag) => write!(f, "{flag}"),
        }
    }
}

/// A Win32-style function of the project's own, as the API table would describe it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    pub params: Vec<String>,
    pub ret: Option<String>,
}

#[derive(Debug, Default)]
pub struct Config {
    /// The file the configuration was read from, if one was found.
    pub file: Option<Source>,
    pub targets: Option<Vec<String>>,
    pub exclude: Vec<String>,
    /// Source files larger than this many bytes are skipped.
    pub max_file_size: Option<u64>,
    /// The directory `exclude` globs are relative to.
    pub base: PathBuf,
    pub rules: BTreeMap<String, RuleLevel>,
    pub handles: BTreeMap<String, HandleKind>,
    pub integers: BTreeMap<String, String>,
    pub functions: BTreeMap<String, Signature>,
    /// The include path of C and C++ units without a compilation database entry, absolute.
    pub c_include: Vec<PathBuf>,
    /// Their macros, `NAME` or `NAME=VALUE`.
    pub c_defines: Vec<String>,
}

impl Config {
    /// The nearest configuration at or above `start` (a file or a directory), searched no
    /// higher than the repository (the first directory holding `.git`: a directory in a clone,
    /// a file in a worktree or submodule) or `root`: a file in a shared directory above a
    /// checkout (`/tmp`) is not the project's. An empty configuration when there is none.
    pub fn discover(start: &Path, root: Option<&Path>) -> Result<Config, String> {
        let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
        let first_dir = if start.is_dir() {
            start.as_path()
        } else {
            start.parent().unwrap_or(Path::new("/"))
        };
        let root = root.and_then(|root| root.canonicalize().ok());
        for dir in first_dir.ancestors() {
            for name in FILE_NAMES {
                let path = dir.join(name);
                // Not `is_file`: a FIFO or directory in the place of the file is an error, not a
                // reason to look further up.
                if path.exists() {
                    let table = read_table(&path)?;
                    return Config::from_table(&table, Source::File { path, table: None }, dir);
                }
            }
            let manifest = dir.join("Cargo.toml");
            if manifest.exists() {
                let table = read_table(&manifest)?;
                for (section, name) in [
                    ("package", "package.metadata.ptrwidth"),
                    ("workspace", "workspace.metadata.ptrwidth"),
                ] {
                    let found = table
                        .get(section)
                        .and_then(|s| s.get("metadata"))
                        .and_then(|m| m.get("ptrwidth"));
                    if let Some(found) = found {
                        let source = Source::File {
                            path: manifest.clone(),
                            table: Some(name),
                        };
                        let found = found
                            .as_table()
                            .ok_or_else(|| format!("{source}: must be a table"))?;
                        return Config::from_table(found, source, dir);
                    }
                }
            }
            if dir.join(".git").exists() || (root.is_some() && dir.canonicalize().ok() == root) {
                break;
            }
        }
        Ok(Config {
            base: first_dir.to_path_buf(),
            ..Config::default()
        })
    }

    fn from_table(table: &Table, source: Source, dir: &Path) -> Result<Config, String> {
        let err = |message: String| format!("{source}: {message}");
        let dir_of = |relative: &str| crate::model::tree::normalize(&dir.join(relative));
        let mut config = Config {
            base: dir.to_path_buf(),
            ..Config::default()
        };
        for (key, value) in table {
            match key.as_str() {
                "targets" => {
                    let targets = strings(value).map_err(|m| err(format!("`targets` {m}")))?;
                    if targets.is_empty() {
                        return Err(err(format!(
                            "`targets` is empty, which would check nothing; name at least one target (e.g. [\"{}\"]), or leave the key out for the default",
                            crate::target::DEFAULT_TRIPLE
                        )));
                    }
                    config.targets = Some(targets);
                }
                "exclude" => {
                    config.exclude = strings(value).map_err(|m| err(format!("`exclude` {m}")))?
                }
                "max-file-size" => {
                    let bytes = value.as_integer().and_then(|n| u64::try_from(n).ok());
                    let bytes = bytes.ok_or_else(|| {
                        err("`max-file-size` must be a number of bytes".to_string())
                    })?;
                    config.max_file_size = Some(bytes);
                }
                "rules" => {
                    for (rule, level) in sub_table(value, "rules").map_err(err)? {
                        if catalog::get(rule).is_none() {
                            return Err(err(unknown("rule", rule, catalog::names())));
                        }
                        let level = level.as_str().ok_or_else(|| {
                            err(format!("rule `{rule}`: the level must be a string"))
                        })?;
                        let level = match level {
                            "allow" => RuleLevel::Allow,
                            "warn" => RuleLevel::Warn,
                            "deny" => RuleLevel::Deny,
                            other => {
                                return Err(err(unknown(
                                    &format!("level for `{rule}`"),
                                    other,
                                    RuleLevel::NAMES,
                                )));
                            }
                        };
                        config.rules.insert(rule.clone(), level);
                    }
                }
                "handles" => {
                    for (name, kind) in sub_table(value, "handles").map_err(err)? {
                        let kind = match kind.as_str() {
                            Some("address") => HandleKind::Address,
                            Some("shared") => HandleKind::Shared,
                            _ => {
                                return Err(err(format!(
                                    "handle `{name}`: the kind must be \"address\" (all 64 bits matter) or \"shared\" (32 significant bits)"
                                )));
                            }
                        };
                        config.handles.insert(name.clone(), kind);
                    }
                }
                "integers" => {
                    for (name, primitive) in sub_table(value, "integers").map_err(err)? {
                        let primitive = primitive
                            .as_str()
                            .filter(|p| IntTy::from_primitive(p).is_some());
                        let Some(primitive) = primitive else {
                            return Err(err(format!(
                                "integer `{name}`: give its width as a Rust integer type (\"u32\", \"i32\", \"usize\", ...)"
                            )));
                        };
                        config.integers.insert(name.clone(), primitive.to_string());
                    }
                }
                "functions" => {
                    for (name, signature) in sub_table(value, "functions").map_err(err)? {
                        let signature = parse_signature(name, signature).map_err(err)?;
                        config.functions.insert(name.clone(), signature);
                    }
                }
                "c" => {
                    for (key, value) in sub_table(value, "c").map_err(err)? {
                        let items = strings(value).map_err(|m| err(format!("`c.{key}` {m}")))?;
                        match key.as_str() {
                            "include" => {
                                config.c_include = items.iter().map(|dir| dir_of(dir)).collect();
                            }
                            "defines" => config.c_defines = items,
                            other => return Err(err(unknown("key in [c]", other, C_KEYS))),
                        }
                    }
                }
                other => return Err(err(unknown("key", other, KEYS))),
            }
        }
        config.file = Some(source);
        Ok(config)
    }

    /// Where the project's settings came from: the file, or the default.
    pub fn source(&self) -> Source {
        self.file.clone().unwrap_or(Source::Default)
    }

    /// Adds the project's own types and functions to the Win32 knowledge.
    pub fn extend(&self, knowledge: &mut Knowledge) {
        for (name, kind) in &self.handles {
            knowledge.add_handle(name, *kind);
        }
        for (name, primitive) in &self.integers {
            if let Some(int) = IntTy::from_primitive(primitive) {
                knowledge.add_integer(name, int);
            }
        }
        for (name, signature) in &self.functions {
            knowledge.add_function(name, &signature.params, signature.ret.as_deref());
        }
    }
}

fn read_table(path: &Path) -> Result<Table, String> {
    let text = source::read_settings(path, MAX_FILE_BYTES)?;
    text.parse::<Table>()
        .map_err(|e| format!("{}: {}", path.display(), e.message()))
}

fn unknown<'a>(what: &str, name: &str, known: impl IntoIterator<Item = &'a str> + Clone) -> String {
    let hint = match suggest::nearest(name, known.clone()) {
        Some(near) => format!("did you mean `{near}`?"),
        None => format!(
            "expected one of {}",
            known
                .into_iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    format!("unknown {what} `{name}`; {hint}")
}

fn strings(value: &Value) -> Result<Vec<String>, String> {
    value
        .as_array()
        .and_then(|items| {
            items
                .iter()
                .map(|item| item.as_str().map(str::to_string))
                .collect()
        })
        .ok_or_else(|| "must be an array of strings".to_string())
}

fn sub_table<'a>(value: &'a Value, key: &str) -> Result<&'a Table, String> {
    value
        .as_table()
        .ok_or_else(|| format!("`{key}` must be a table"))
}

fn parse_signature(name: &str, value: &Value) -> Result<Signature, String> {
    let table = value.as_table().ok_or_else(|| {
        format!("function `{name}`: write it as {{ params = [\"HWND\", \"u32\"], ret = \"BOOL\" }}")
    })?;
    let mut signature = Signature {
        params: Vec::new(),
        ret: None,
    };
    for (key, value) in table {
        match key.as_str() {
            "params" => {
                signature.params =
                    strings(value).map_err(|m| format!("function `{name}`: `params` {m}"))?;
            }
            "ret" => {
                let ret = value
                    .as_str()
                    .ok_or_else(|| format!("function `{name}`: `ret` must be a type name"))?;
                signature.ret = Some(ret.to_string());
            }
            other => {
                return Err(format!(
                    "function `{name}`: {}",
                    unknown("key", other, FUNCTION_KEYS)
                ));
            }
        }
    }
    Ok(signature)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        let table: Table = text.parse().unwrap();
        Config::from_table(
            &table,
            Source::File {
                path: PathBuf::from("ptrwidth.toml"),
                table: None,
            },
            Path::new("."),
        )
    }

    #[test]
    fn reads_every_key() {
        let config = parse(
            r#"
            targets = ["i686-pc-windows-msvc"]
            exclude = ["vendor/**"]
            [rules]
            handle-truncation = "deny"
            int-to-handle = "allow"
            [handles]
            MYHANDLE = "address"
            [integers]
            MY_COOKIE = "u32"
            [functions]
            app_store = { params = ["HWND", "u32"], ret = "BOOL" }
            "#,
        )
        .unwrap();
        assert_eq!(
            config.targets.as_deref(),
            Some(&["i686-pc-windows-msvc".to_string()][..])
        );
        assert_eq!(config.rules["handle-truncation"], RuleLevel::Deny);
        assert_eq!(config.rules["int-to-handle"], RuleLevel::Allow);
        assert_eq!(config.handles["MYHANDLE"], HandleKind::Address);
        assert_eq!(config.functions["app_store"].params, ["HWND", "u32"]);
    }

    #[test]
    fn unknown_names_suggest_the_nearest() {
        let err = parse("exlude = []").unwrap_err();
        assert!(
            err.contains("unknown key `exlude`; did you mean `exclude`?"),
            "{err}"
        );
        let err = parse("[rules]\nhandle-trunc = \"warn\"").unwrap_err();
        assert!(err.contains("did you mean `handle-truncation`?"), "{err}");
        let err = parse("[rules]\nhandle-truncation = \"warning\"").unwrap_err();
        assert!(err.contains("did you mean `warn`?"), "{err}");
        let err = parse("[functions]\nf = { param = [] }").unwrap_err();
        assert!(err.contains("did you mean `params`?"), "{err}");
    }
}
