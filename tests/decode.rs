//! One decoder reads every source, and the fixer writes a file back in the encoding it found.

mod common;

use common::{Scratch, outcome_with_fix};
use ptrwidth::discover::FileKind;
use ptrwidth::source::Span;

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    std::iter::once(0xFEFF_u16)
        .chain(text.encode_utf16())
        .flat_map(|unit| {
            if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            }
        })
        .collect()
}

/// `ptrwidth --fix` on a UTF-16 C file whose last byte is half a code unit: the text it was
/// analysed as leaves that byte out, and writing the fixed text would lose it, so the file is
/// left as it is.
#[test]
fn a_utf16_file_with_a_dangling_byte_is_not_rewritten() {
    let scratch = Scratch::new();
    let text = "int f(void);\r\n";
    let mut bytes = utf16(text, false);
    bytes.push(b'x');
    let path = scratch.write("a.c", &bytes);
    let mut outcome = outcome_with_fix(path.clone(), text, Span::new(4, 5), Span::new(4, 5), "g");
    outcome.kinds = vec![FileKind::C];
    let plan = ptrwidth::fix::plan(&outcome, false);
    assert!(plan.files.is_empty());
    assert_eq!(plan.failures.len(), 1);
    assert!(
        plan.failures[0].message.contains("cannot write back"),
        "{:?}",
        plan.failures
    );
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

/// A big-endian UTF-16 C file is fixed and written back big-endian, with its mark.
#[test]
fn a_big_endian_utf16_file_is_written_back_big_endian() {
    let scratch = Scratch::new();
    let text = "int f(void);\r\n";
    let path = scratch.write("a.c", utf16(text, true));
    let mut outcome = outcome_with_fix(path.clone(), text, Span::new(4, 5), Span::new(4, 5), "g");
    outcome.kinds = vec![FileKind::C];
    let plan = ptrwidth::fix::plan(&outcome, false);
    assert_eq!(plan.files.len(), 1, "{:?}", plan.failures);
    let failures = ptrwidth::fix::write(&plan, &[scratch.path().to_path_buf()]);
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        utf16("int g(void);\r\n", true)
    );
}
