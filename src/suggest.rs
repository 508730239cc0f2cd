//! "Did you mean": the known name closest to a misspelt one.

/// The candidate most similar to `name`, when one is similar enough to be a likely typo.
pub fn nearest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(name, candidate), candidate))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::nearest;

    #[test]
    fn suggests_close_names_only() {
        let names = ["handle-truncation", "int-to-handle", "window-long-ptr"];
        assert_eq!(
            nearest("handle-truncaton", names),
            Some("handle-truncation")
        );
        assert_eq!(nearest("window-long", names), Some("window-long-ptr"));
        assert_eq!(nearest("zzz", names), None);
    }
}
