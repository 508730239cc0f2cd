//! The GitHub Action (`action.yml`), run locally the way the runner runs a composite action:
//! `${{ }}` expressions substituted, each `run:` step executed with
//! `bash --noprofile --norc -eo pipefail`, `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` pointing
//! at fresh files, step outputs collected for later expressions. `uses:` steps are not run:
//! the cache step is played by its output (`cache-hit`), the install step by a `cargo` stub
//! that records how it was called and installs the binary under test.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use common::{Scratch, json, repo};
use yaml_rust2::{Yaml, YamlLoader};

fn action() -> Yaml {
    let text = std::fs::read_to_string(repo().join("action.yml")).unwrap();
    YamlLoader::load_from_str(&text).unwrap().remove(0)
}

fn string(yaml: &Yaml) -> String {
    match yaml {
        Yaml::String(s) => s.clone(),
        Yaml::Boolean(b) => b.to_string(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Null | Yaml::BadValue => String::new(),
        other => panic!("not a scalar: {other:?}"),
    }
}

fn mapping(yaml: &Yaml) -> Vec<(String, &Yaml)> {
    yaml.as_hash()
        .map(|h| h.iter().map(|(k, v)| (string(k), v)).collect())
        .unwrap_or_default()
}

struct Run {
    /// What the action's steps printed, in order.
    log: String,
    /// The status of the step that ended the run (0 when every step passed).
    status: i32,
    outputs: HashMap<String, String>,
    summary: String,
    /// The `cargo` stub's calls, one per line.
    cargo_calls: String,
}

/// The runner's expression language, as far as action.yml uses it.
struct Expressions<'a> {
    inputs: &'a HashMap<String, String>,
    steps: &'a HashMap<String, HashMap<String, String>>,
}

impl Expressions<'_> {
    fn value(&self, expression: &str) -> String {
        let expression = expression.trim();
        if let Some(name) = expression.strip_prefix("inputs.") {
            return self
                .inputs
                .get(name)
                .unwrap_or_else(|| panic!("undeclared input {name}"))
                .clone();
        }
        if let Some(rest) = expression.strip_prefix("steps.") {
            let (id, output) = rest.split_once(".outputs.").unwrap();
            return self
                .steps
                .get(id)
                .and_then(|o| o.get(output))
                .cloned()
                .unwrap_or_default();
        }
        match expression {
            "github.action_path" => repo().to_string_lossy().into_owned(),
            "runner.os" => "Linux".to_string(),
            other => panic!("the test does not know the expression `{other}`"),
        }
    }

    fn condition(&self, condition: &str) -> bool {
        let condition = condition
            .trim()
            .trim_start_matches("${{")
            .trim_end_matches("}}");
        let (left, op, right) = if let Some((l, r)) = condition.split_once("==") {
            (l, "==", r)
        } else if let Some((l, r)) = condition.split_once("!=") {
            (l, "!=", r)
        } else {
            panic!("the test does not know the condition `{condition}`");
        };
        let literal = right.trim().trim_matches('\'');
        (self.value(left) == literal) == (op == "==")
    }

    fn substitute(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").unwrap() + start;
            out.push_str(&self.value(&rest[start + 3..end]));
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }
}

/// `name=value` lines and `name<<DELIMITER` blocks, as the runner reads GITHUB_OUTPUT.
fn read_outputs(path: &Path) -> HashMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut outputs = HashMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delimiter)) = line.split_once("<<") {
            let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delimiter).collect();
            outputs.insert(name.to_string(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            outputs.insert(name.to_string(), value.to_string());
        }
    }
    outputs
}

fn run_action(workspace: &Path, inputs: &[(&str, &str)], cache_hit: bool) -> Run {
    let action = action();
    let mut values: HashMap<String, String> = mapping(&action["inputs"])
        .into_iter()
        .map(|(name, spec)| (name, string(&spec["default"])))
        .collect();
    for (name, value) in inputs {
        assert!(values.contains_key(*name), "no input {name}");
        values.insert(name.to_string(), value.to_string());
    }
    let runner = Scratch::new();
    let home = runner.path().join("home");
    let stubs = runner.path().join("stubs");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&stubs).unwrap();
    let calls = runner.path().join("cargo-calls");
    // `cargo install --root ROOT ...` stands for the real build: the binary under test is put
    // where the install would put it.
    let stub = format!(
        "#!/bin/sh\necho \"$*\" >> '{}'\nwhile [ \"$1\" != --root ]; do shift; done\nmkdir -p \"$2/bin\"\ncp '{}' \"$2/bin/ptrwidth\"\n",
        calls.display(),
        env!("CARGO_BIN_EXE_ptrwidth")
    );
    std::fs::write(stubs.join("cargo"), stub).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(stubs.join("cargo"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
    }
    let mut steps: HashMap<String, HashMap<String, String>> = HashMap::new();
    let summary_path = runner.path().join("summary.md");
    let mut log = String::new();
    let mut status = 0;
    for (index, step) in action["runs"]["steps"].as_vec().unwrap().iter().enumerate() {
        let id = step["id"]
            .as_str()
            .map_or_else(|| format!("step{index}"), str::to_string);
        let expressions = Expressions {
            inputs: &values,
            steps: &steps,
        };
        if let Some(condition) = step["if"].as_str()
            && !expressions.condition(condition)
        {
            continue;
        }
        if let Some(uses) = step["uses"].as_str() {
            assert!(
                uses.starts_with("actions/cache@"),
                "unexpected action {uses}"
            );
            let with = &step["with"];
            assert_eq!(with["path"].as_str(), Some("~/.ptrwidth-action"));
            assert!(
                expressions
                    .substitute(with["key"].as_str().unwrap())
                    .starts_with("ptrwidth-Linux-")
            );
            if cache_hit {
                // The binary a previous run built, restored.
                std::fs::create_dir_all(home.join(".ptrwidth-action/bin")).unwrap();
                std::fs::copy(
                    env!("CARGO_BIN_EXE_ptrwidth"),
                    home.join(".ptrwidth-action/bin/ptrwidth"),
                )
                .unwrap();
            }
            let hit = if cache_hit { "true" } else { "false" };
            steps.insert(
                id,
                HashMap::from([("cache-hit".to_string(), hit.to_string())]),
            );
            continue;
        }
        assert_eq!(
            step["shell"].as_str(),
            Some("bash"),
            "every run step uses bash"
        );
        let script = expressions.substitute(step["run"].as_str().unwrap());
        let script_path = runner.path().join(format!("{id}.sh"));
        std::fs::write(&script_path, &script).unwrap();
        let output_path = runner.path().join(format!("{id}.output"));
        let mut command = Command::new("bash");
        command
            .args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script_path)
            .current_dir(workspace)
            .env_clear()
            .env(
                "PATH",
                format!("{}:{}", stubs.display(), std::env::var("PATH").unwrap()),
            )
            .env("HOME", &home)
            .env("GITHUB_OUTPUT", &output_path)
            .env("GITHUB_STEP_SUMMARY", &summary_path)
            .env("GITHUB_WORKSPACE", workspace)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_TEMP", runner.path());
        for (name, value) in mapping(&step["env"]) {
            command.env(name, expressions.substitute(&string(value)));
        }
        let output = command.output().unwrap();
        log.push_str(&String::from_utf8_lossy(&output.stdout));
        log.push_str(&String::from_utf8_lossy(&output.stderr));
        steps.insert(id, read_outputs(&output_path));
        if !output.status.success() {
            status = output.status.code().unwrap_or(-1);
            break;
        }
    }
    let expressions = Expressions {
        inputs: &values,
        steps: &steps,
    };
    let outputs = mapping(&action["outputs"])
        .into_iter()
        .map(|(name, spec)| (name, expressions.substitute(&string(&spec["value"]))))
        .collect();
    Run {
        log,
        status,
        outputs,
        summary: std::fs::read_to_string(&summary_path).unwrap_or_default(),
        cargo_calls: std::fs::read_to_string(&calls).unwrap_or_default(),
    }
}

/// A repository with one error (a pointer in a `u32`) and one warning (an `HWND` in a `u32`).
fn fixture_repo() -> Scratch {
    let scratch = Scratch::new();
    scratch.write(
        "src/errors.rs",
        "fn keep(p: *mut u8) -> u32 {\n    p as u32\n}\n",
    );
    scratch.write(
        "src/warnings.rs",
        "use windows_sys::Win32::Foundation::HWND;\nfn id(h: HWND) -> u32 {\n    h as u32\n}\n",
    );
    scratch
}

#[test]
fn fail_on_decides_the_step_status() {
    let repo_dir = fixture_repo();
    let workspace = repo_dir.path();
    let cases = [
        ("src/warnings.rs", "error", 0, "0", "1"),
        ("src/warnings.rs", "warning", 1, "0", "1"),
        ("src", "error", 1, "1", "1"),
        ("src", "warning", 1, "1", "1"),
        ("src", "never", 0, "1", "1"),
        ("src/errors.rs", "never", 0, "1", "0"),
    ];
    for (path, fail_on, status, errors, warnings) in cases {
        let run = run_action(workspace, &[("path", path), ("fail-on", fail_on)], true);
        let case = format!("path={path} fail-on={fail_on}\n{}", run.log);
        assert_eq!(run.status, status, "{case}");
        assert_eq!(run.outputs["errors"], errors, "{case}");
        assert_eq!(run.outputs["warnings"], warnings, "{case}");
        assert!(run.cargo_calls.is_empty(), "a cache hit builds nothing");
        if errors == "1" {
            assert!(
                run.log.contains("::error file=src/errors.rs,line=2,endLine=2,col=5,endColumn=13,title=ptrwidth(handle-truncation)::"),
                "{case}"
            );
        }
        if warnings == "1" {
            assert!(
                run.log.contains("::warning file=src/warnings.rs,line=3,"),
                "{case}"
            );
        }
        assert!(run.summary.contains("## ptrwidth"), "{case}");
    }
    let run = run_action(workspace, &[("fail-on", "sometimes")], true);
    assert_eq!(run.status, 2);
    assert!(run.log.contains("fail-on must be error, warning or never"));
}

#[test]
fn sarif_targets_baseline_and_args_reach_ptrwidth() {
    let repo_dir = fixture_repo();
    let workspace = repo_dir.path();
    let run = run_action(
        workspace,
        &[
            ("path", "src"),
            ("sarif-file", "out/ptrwidth.sarif"),
            ("fail-on", "never"),
        ],
        true,
    );
    assert_eq!(run.status, 0, "{}", run.log);
    assert_eq!(run.outputs["sarif-file"], "out/ptrwidth.sarif");
    let sarif = json(&std::fs::read_to_string(workspace.join("out/ptrwidth.sarif")).unwrap());
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 2);

    // On a 32-bit target nothing truncates.
    let run = run_action(
        workspace,
        &[
            ("path", "src"),
            ("targets", "i686-pc-windows-msvc, i686-pc-windows-gnu"),
        ],
        true,
    );
    assert_eq!(
        (run.status, run.outputs["errors"].as_str()),
        (0, "0"),
        "{}",
        run.log
    );

    let run = run_action(
        workspace,
        &[
            ("path", "src"),
            (
                "args",
                "--select handle-truncation --ignore handle-truncation",
            ),
        ],
        true,
    );
    assert_eq!(run.outputs["warnings"], "0", "{}", run.log);

    let baseline = workspace.join("baseline.json");
    let written = common::ptrwidth(
        workspace,
        &["--write-baseline", baseline.to_str().unwrap(), "src"],
    );
    assert!(written.status.success());
    let run = run_action(
        workspace,
        &[("path", "src"), ("baseline", "baseline.json")],
        true,
    );
    assert_eq!(
        (run.status, run.outputs["errors"].as_str()),
        (0, "0"),
        "{}",
        run.log
    );
}

#[test]
fn without_a_cached_binary_the_action_installs_it() {
    let repo_dir = fixture_repo();
    let run = run_action(
        repo_dir.path(),
        &[("path", "src/warnings.rs"), ("toolchain-cache", "false")],
        false,
    );
    assert_eq!(run.status, 0, "{}", run.log);
    let action_path = repo().to_string_lossy().into_owned();
    assert!(
        run.cargo_calls.starts_with("install --locked --root "),
        "{}",
        run.cargo_calls
    );
    assert!(
        run.cargo_calls
            .trim_end()
            .ends_with(&format!("--path {action_path}")),
        "{}",
        run.cargo_calls
    );
    let run = run_action(
        repo_dir.path(),
        &[("path", "src/warnings.rs"), ("version", "0.1.0")],
        false,
    );
    assert!(
        run.cargo_calls.contains("--version 0.1.0 ptrwidth"),
        "{}",
        run.cargo_calls
    );
    assert_eq!(run.outputs["warnings"], "1");
}

#[test]
fn every_documented_input_is_used_and_every_used_input_documented() {
    let action = action();
    let text = std::fs::read_to_string(repo().join("action.yml")).unwrap();
    let steps = text.split("\nruns:").nth(1).unwrap();
    let declared: Vec<String> = mapping(&action["inputs"])
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    for (name, spec) in mapping(&action["inputs"]) {
        assert!(
            !string(&spec["description"]).is_empty(),
            "input {name} has no description"
        );
        assert!(
            steps.contains(&format!("inputs.{name} "))
                || steps.contains(&format!("inputs.{name}\n")),
            "input {name} is never used"
        );
    }
    for used in steps.split("inputs.").skip(1) {
        let name: String = used
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        assert!(
            declared.contains(&name),
            "input {name} is used but not declared"
        );
    }
    for (name, spec) in mapping(&action["outputs"]) {
        assert!(!string(&spec["description"]).is_empty(), "output {name}");
    }
    // The README documents the same inputs and outputs.
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    for name in declared.iter().chain(
        &mapping(&action["outputs"])
            .into_iter()
            .map(|(n, _)| n)
            .collect::<Vec<_>>(),
    ) {
        assert!(
            readme.contains(&format!("| `{name}` |")),
            "README does not document {name}"
        );
    }
}
