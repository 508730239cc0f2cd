#!/usr/bin/env python3
"""ptrwidth on real crates from the registry, at pinned versions, with every finding judged.

Prints per crate: files, MB of source, seconds, peak memory, findings by rule and level, and
how they compare with the verdicts in benches/verdicts/rust-crates.tsv (crate, version, path,
line, rule, level, verdict, reason; judged by hand). A finding without a verdict is listed as
unjudged, so a change that makes new findings shows them.

    python3 benches/rust_crates.py [--binary PATH] [--only NAME] [--unjudged]

Sources come from `cargo fetch` of a throw-away project under target/bench/rust.
"""

import argparse
import collections
import csv
import json
import subprocess
from pathlib import Path

from lint_run import lint

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "target" / "bench" / "rust"
VERDICTS = ROOT / "benches" / "verdicts" / "rust-crates.tsv"

# crate: (version, extra dependency keys). The throw-away project depends on each exactly.
CRATES = {
    "winit": ("0.29.15", ""), "winit@0.30": ("0.30.13", ""), "tao": ("0.37.2", ""),
    "muda": ("0.21.2", ""), "winreg": ("0.56.0", ""), "native-windows-gui": ("1.0.13", ""),
    "tokio": ("1.54.1", ', features = ["full"]'), "mio": ("1.2.5", ', features = ["os-poll", "net"]'),
    "socket2": ("0.6.5", ""), "crossterm": ("0.29.0", ""), "clipboard-win": ("5.4.3", ""),
    "arboard": ("3.7.0", ""), "rfd": ("0.17.2", ""), "wry": ("0.57.3", ""),
    "tray-icon": ("0.26.1", ""), "windows-service": ("0.8.1", ""), "libloading": ("0.8.9", ""),
    "notify": ("8.2.2", ""), "sysinfo": ("0.40.4", ""), "interprocess": ("2.4.7", ""),
    "egui-winit": ("0.37.0", ""), "glazier": ("0.4.1", ""), "druid-shell": ("0.7.0", ""),
    "winapi": ("0.3.9", ', features = ["everything"]'), "windows-sys": ("0.61.2", ""),
    # Crates whose calls cross into a -sys dependency's bindings.
    "curl": ("0.4.51", ""), "git2": ("0.21.0", ""), "ssh2": ("0.9.6", ""), "xz2": ("0.1.7", ""),
    "bzip2": ("0.6.1", ""), "rusqlite": ("0.43.0", ""), "openssl": ("0.10.82", ""),
    "zstd": ("0.14.4", ""), "flate2": ("1.1.11", ', features = ["zlib"]'),
}

SOURCE_SUFFIXES = {".rs", ".c", ".h", ".cpp", ".hpp", ".idl", ".reg", ".rgs", ".wxs", ".dll", ".lib", ".exe"}


def package_of(key):
    return key.split("@")[0]


def fetch():
    project = WORK / "project"
    (project / "src").mkdir(parents=True, exist_ok=True)
    (project / "src" / "lib.rs").write_text("")
    deps = "\n".join(
        f'dep{i} = {{ package = "{package_of(key)}", version = "={version}"{extra} }}'
        for i, (key, (version, extra)) in enumerate(CRATES.items()))
    # The empty [workspace] keeps it out of ptrwidth's own workspace, which it lies inside.
    (project / "Cargo.toml").write_text(
        f'[package]\nname = "corpus"\nversion = "0.0.0"\nedition = "2021"\n\n[workspace]\n\n[dependencies]\n{deps}\n')
    subprocess.run(["cargo", "fetch", "--manifest-path", str(project / "Cargo.toml")],
                   check=True, stdout=subprocess.DEVNULL)
    meta = json.loads(subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--manifest-path", str(project / "Cargo.toml")],
        check=True, capture_output=True, text=True).stdout)
    return {(p["name"], p["version"]): Path(p["manifest_path"]).parent for p in meta["packages"]}


def megabytes(tree):
    size = sum(p.stat().st_size for p in tree.rglob("*") if p.is_file() and p.suffix in SOURCE_SUFFIXES)
    return size / 1e6


def verdicts():
    if not VERDICTS.is_file():
        return {}
    with VERDICTS.open(newline="") as f:
        rows = [r for r in csv.reader(f, delimiter="\t") if r and not r[0].startswith("#")]
    return {(r[0], r[1], r[2], int(r[3]), r[4], r[5]): r[6] for r in rows}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=str(ROOT / "target" / "release" / "ptrwidth"))
    parser.add_argument("--only", action="append")
    parser.add_argument("--unjudged", action="store_true", help="list findings without a verdict")
    args = parser.parse_args()
    if args.binary == str(ROOT / "target" / "release" / "ptrwidth"):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    dirs = fetch()
    judged_by = verdicts()
    print("| crate | files | MB | seconds | peak MB | errors | warnings | by rule | true | debatable | false | unjudged |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    totals = collections.Counter()
    unjudged_rows = []
    for key, (version, _) in CRATES.items():
        if args.only and key not in args.only:
            continue
        crate = package_of(key)
        tree = dirs[(crate, version)]
        report, seconds, peak = lint(args.binary, tree, ["."])
        summary = report["summary"]
        by_rule = collections.Counter(f"{d['rule']} {d['level']}" for d in report["diagnostics"])
        judged = collections.Counter()
        for d in report["diagnostics"]:
            verdict = judged_by.get((crate, version, d["path"], d["line"], d["rule"], d["level"]), "unjudged")
            judged[verdict] += 1
            if verdict == "unjudged":
                unjudged_rows.append(f"{crate}\t{version}\t{d['path']}\t{d['line']}\t{d['rule']}\t{d['level']}\t{d['message']}")
        totals.update(judged)
        totals["errors"] += summary["errors"]
        totals["warnings"] += summary["warnings"]
        rules = ", ".join(f"{rule} {n}" for rule, n in sorted(by_rule.items())) or "-"
        print(f"| {crate} {version} | {summary['files']} | {megabytes(tree):.1f} | {seconds:.2f} | {peak} "
              f"| {summary['errors']} | {summary['warnings']} | {rules} | {judged['true']} | {judged['debatable']} "
              f"| {judged['false']} | {judged['unjudged']} |")
    kept = totals["true"] + totals["debatable"]
    judged_total = kept + totals["false"]
    print(f"\nfindings: {totals['errors']} errors, {totals['warnings']} warnings; "
          f"true or debatable / judged: {kept}/{judged_total}; unjudged: {totals['unjudged']}")
    if args.unjudged:
        print("\n" + "\n".join(unjudged_rows))


if __name__ == "__main__":
    main()
