//! The names through which code builds text (`rules/data/text-names.toml`), parsed once per
//! run: both code front ends record text through the same lists.

use std::sync::LazyLock;

use crate::knowledge::parse_table;

const NAMES_TOML: &str = include_str!("../../rules/data/text-names.toml");

/// A list of names, looked up as written.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct Names(Vec<String>);

impl Names {
    pub fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|n| n == name)
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CNames {
    pub text_macros: Names,
    pub same_text_methods: Names,
    pub read_only_methods: Names,
    pub reading_functions: Names,
    pub guid_types: Names,
    pub formatters: Names,
    pub copiers: Names,
    pub appenders: Names,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RustNames {
    pub text_macros: Names,
    pub same_text_methods: Names,
    pub text_conversions: Names,
    pub text_conversion_words: Names,
    pub key_methods: Names,
    pub env_value_methods: Names,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextNames {
    pub c: CNames,
    pub rust: RustNames,
}

static NAMES: LazyLock<Result<TextNames, String>> =
    LazyLock::new(|| parse_table("text-names.toml", NAMES_TOML));

/// The lists; empty ones if the embedded table does not parse (a test holds it to parsing),
/// so that text is then only followed through literals.
pub fn names() -> &'static TextNames {
    static EMPTY: LazyLock<TextNames> = LazyLock::new(TextNames::default);
    NAMES.as_ref().unwrap_or(&EMPTY)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_table_parses() {
        let names = super::NAMES.as_ref().unwrap();
        assert!(names.c.formatters.contains("wsprintfW"));
        assert!(names.rust.text_macros.contains("w"));
    }
}
