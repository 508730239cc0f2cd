//! The reporters write a report as they make it: a run's peak memory is the outcome's, whatever
//! the format. The file holds one test, so that the children's peak memory is its runs' alone.

#![cfg(target_os = "linux")]

mod common;

use common::{Scratch, command, run};

/// The largest peak resident size, in KiB, of the children waited for so far.
fn children_peak_kib() -> i64 {
    // SAFETY: getrusage only writes the struct it is given.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage), 0);
        usage.ru_maxrss
    }
}

#[test]
fn machine_formats_add_little_memory_to_the_run() {
    // 10,000 findings: `--format json` built the whole document as a `serde_json::Value` (50 MB
    // more than the run itself), `--format sarif` too (180 MB more).
    let scratch = Scratch::new();
    for file in 0..4 {
        let mut text = String::from("use windows_sys::Win32::Foundation::HWND;\n");
        for function in 0..2_500 {
            text.push_str(&format!("fn f{function}(h: HWND) -> u32 {{ h as u32 }}\n"));
        }
        scratch.write(&format!("f{file}.rs"), text);
    }
    let lint = |format: &str| {
        let output =
            run(command(scratch.path()).args(["--no-cache", "-q", "--format", format, "."]));
        assert_eq!(output.status.code(), Some(0), "{format}");
        output.stdout.len()
    };
    lint("human");
    let run_alone = children_peak_kib();
    for format in ["json", "sarif", "rustc-json"] {
        let written = lint(format);
        assert!(written > 10_000 * 200, "{format}: {written} bytes");
        let peak = children_peak_kib();
        assert!(
            peak < run_alone + 24 * 1024,
            "{format}: {peak} KiB at the peak, {run_alone} KiB for the run alone"
        );
    }
}
