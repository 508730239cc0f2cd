//! The rule catalog: one documented entry per rule, from `rules/*.toml`, embedded at build time.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

use crate::diagnostic::Level;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/catalog.rs"));
}

#[derive(Debug, Deserialize)]
pub struct Example {
    pub bad: String,
    pub good: String,
    /// A fixture directory whose binaries sit beside the example when it is checked (for rules
    /// about the DLLs and libraries in the tree).
    pub tree: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDoc {
    pub name: String,
    level: String,
    pub summary: String,
    pub tags: Vec<String>,
    pub why: String,
    pub fix: String,
    /// Bad and good examples by language (`rust`, `c`, `idl`, ...).
    pub examples: BTreeMap<String, Example>,
}

impl RuleDoc {
    pub fn level(&self) -> Level {
        Level::parse(&self.level).unwrap_or(Level::Error)
    }
}

static CATALOG: LazyLock<Result<Vec<RuleDoc>, String>> = LazyLock::new(|| {
    embedded::ENTRIES
        .iter()
        .map(|(file, text)| {
            let doc: RuleDoc =
                toml::from_str(text).map_err(|e| format!("rules/{file}.toml: {}", e.message()))?;
            if doc.name != *file {
                return Err(format!("rules/{file}.toml: name is `{}`", doc.name));
            }
            if Level::parse(&doc.level).is_none() {
                return Err(format!("rules/{file}.toml: level must be error or warning"));
            }
            Ok(doc)
        })
        .collect()
});

/// Every catalog entry, in name order; an error names the entry that does not load.
pub fn all() -> Result<&'static [RuleDoc], String> {
    CATALOG.as_deref().map_err(Clone::clone)
}

pub fn get(name: &str) -> Option<&'static RuleDoc> {
    all().ok()?.iter().find(|doc| doc.name == name)
}

/// Every rule name in the catalog: the semantic rules and the engine's own checks.
pub fn names() -> impl Iterator<Item = &'static str> + Clone {
    all()
        .unwrap_or_default()
        .iter()
        .map(|doc| doc.name.as_str())
}
