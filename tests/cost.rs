//! Pathological but legal inputs cost time in proportion to their size.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ptrwidth::discover::FileKind;
use ptrwidth::knowledge::Knowledge;
use ptrwidth::model::Model;
use ptrwidth::model::ir::FileIr;
use ptrwidth::rules::{self, Checker, Levels};
use ptrwidth::source::{SourceFile, Span};
use ptrwidth::target::Target;

fn shifted(span: Span, by: usize) -> Span {
    Span::new(span.start + by, span.end + by)
}

/// `window-long-ptr`'s findings for `copies` copies of `snippet` in one file. Only the first
/// copy is lowered: the others are its calls and conversions moved to where each copy starts,
/// so that the rule, not the parser, is what takes the time.
fn window_long_findings(snippet: &str, copies: usize) -> (usize, Duration) {
    let lowered =
        ptrwidth::frontend::lower(FileKind::C, snippet.as_bytes().to_vec(), None).unwrap();
    let one = lowered.ir;
    let mut ir = FileIr {
        language: one.language,
        bodies: one.bodies.clone(),
        ..FileIr::default()
    };
    for copy in 0..copies {
        let by = copy * snippet.len();
        for call in &one.calls {
            let mut call = call.clone();
            call.span = shifted(call.span, by);
            call.callee_span = shifted(call.callee_span, by);
            for arg in &mut call.args {
                arg.span = shifted(arg.span, by);
                arg.name_span = arg.name_span.map(|s| shifted(s, by));
            }
            ir.calls.push(call);
        }
        for conversion in &one.conversions {
            let mut conversion = conversion.clone();
            conversion.span = shifted(conversion.span, by);
            conversion.value_span = shifted(conversion.value_span, by);
            conversion.to_span = conversion.to_span.map(|s| shifted(s, by));
            ir.conversions.push(conversion);
        }
    }
    let knowledge = Knowledge::load().unwrap();
    let targets = [Target::parse("x86_64-pc-windows-msvc").unwrap()];
    let files = [&ir];
    let model = Model::new(&knowledge, &targets, &files);
    let semantic = model.semantic_of(0);
    let text: Arc<str> = snippet.repeat(copies).into();
    let source = SourceFile::new("many.c".into(), "many.c".into(), text);
    let rule = rules::find("window-long-ptr").unwrap();
    let levels = Levels::default();
    let mut checker = Checker::new(&semantic, &source, 0, rule, &levels);
    let started = Instant::now();
    (rule.check)(&mut checker);
    let elapsed = started.elapsed();
    (checker.into_diagnostics().len(), elapsed)
}

/// A file with 10,000 `SetWindowLongPtrW` calls (1,000 s for 40,000): for each, the rule looked through every
/// conversion and call of the file for a narrowing inside its value (most of a 15 MB file's
/// run); it now looks only at those within the value.
#[test]
fn window_long_ptr_looks_only_inside_each_value() {
    let correct =
        "void f(HWND h, void *p)\n{\n    SetWindowLongPtrW(h, GWLP_USERDATA, (LONG_PTR)p);\n}\n";
    let (found, elapsed) = window_long_findings(correct, 10_000);
    assert_eq!(found, 0);
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    let narrowed = "void f(HWND h, void *p)\n{\n    SetWindowLongPtrW(h, GWLP_USERDATA, (LONG)(LONG_PTR)p);\n}\n";
    let (found, _) = window_long_findings(narrowed, 3);
    assert_eq!(found, 3);
}
