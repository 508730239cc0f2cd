//! Every input a fuzz target crashed on (`fuzz/regressions/<target>/`), replayed through the
//! target's own code (`ptrwidth::fuzzing`): each must now run without a panic.

use std::path::Path;

use ptrwidth::fuzzing;

#[test]
fn every_recorded_crash_input_runs_through_its_target_without_a_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut replayed = 0;
    for target in std::fs::read_dir(&root).unwrap() {
        let target = target.unwrap().path();
        let name = target.file_name().unwrap().to_str().unwrap().to_string();
        assert!(
            fuzzing::TARGETS.contains(&name.as_str()),
            "no fuzz target `{name}`"
        );
        for input in std::fs::read_dir(&target).unwrap() {
            let input = input.unwrap().path();
            let bytes = std::fs::read(&input).unwrap();
            eprintln!("{name}: {}", input.display());
            fuzzing::run(&name, &bytes);
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no crash inputs under {}", root.display());
}

#[test]
fn every_fuzz_target_has_a_harness() {
    let targets = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/fuzz_targets");
    for file in std::fs::read_dir(targets).unwrap() {
        let file = file.unwrap().path();
        let name = file.file_stem().unwrap().to_str().unwrap();
        assert!(
            fuzzing::TARGETS.contains(&name),
            "{name} is not in fuzzing::TARGETS"
        );
    }
}
