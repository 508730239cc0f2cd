//! Fingerprints of findings that survive unrelated edits: the rule, the file, and the text of
//! the flagged line and its nearest non-blank neighbours with whitespace normalised — never
//! the line number, so code added above a finding does not change it. Baselines and SARIF's
//! `partialFingerprints` use them.

use crate::source::SourceFile;

/// 16 hex digits, stable across runs, platforms and versions of ptrwidth.
pub fn of(rule: &str, path: &str, source: &SourceFile, line: usize) -> String {
    let mut hash = Fnv1a::new();
    hash.write(rule.as_bytes());
    hash.write(&[0]);
    hash.write(path.as_bytes());
    for neighbour in context_lines(source, line) {
        hash.write(&[0]);
        hash.write(normalise(neighbour).as_bytes());
    }
    format!("{:016x}", hash.0)
}

/// The line, the nearest non-blank line above it and the nearest below it.
fn context_lines(source: &SourceFile, line: usize) -> [&str; 3] {
    let last = source.position(source.text().len()).line;
    let non_blank = |l: &usize| !source.line_text(*l).trim().is_empty();
    let above = (1..line)
        .rev()
        .find(non_blank)
        .map_or("", |l| source.line_text(l));
    let below = (line + 1..=last)
        .find(non_blank)
        .map_or("", |l| source.line_text(l));
    [above, source.line_text(line), below]
}

fn normalise(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// 64-bit FNV-1a: tiny, and its output is fixed by its definition, unlike std's hashers.
struct Fnv1a(u64);

impl Fnv1a {
    fn new() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new(PathBuf::from("a.rs"), "a.rs".into(), text.into())
    }

    #[test]
    fn survives_line_shifts_and_reindentation() {
        let before = file("fn f() {\n    let x = h as u32;\n}\n");
        let after = file("// new\n\nfn f() {\n\n        let x =  h as u32;\n}\n");
        assert_eq!(of("r", "a.rs", &before, 2), of("r", "a.rs", &after, 5));
        assert_ne!(of("r", "a.rs", &before, 2), of("other", "a.rs", &before, 2));
        assert_ne!(of("r", "a.rs", &before, 2), of("r", "b.rs", &before, 2));
        assert_eq!(of("r", "a.rs", &before, 2).len(), 16);
    }
}
