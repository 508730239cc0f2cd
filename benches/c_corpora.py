#!/usr/bin/env python3
"""ptrwidth on six public Windows C/C++ codebases, at pinned commits, with judged findings.

Prints per codebase: files, files parsed in part, findings by level, seconds, peak memory,
and how its error findings compare with the verdicts in benches/verdicts/<codebase>.tsv
(codebase, commit, path, line, rule, verdict, cause, reason; judged by hand). A finding
without a verdict is listed as unjudged, so a change that makes new findings shows them.

    python3 benches/c_corpora.py [--mirrors DIR] [--binary PATH] [--only NAME] [--unjudged] [--false]
    python3 benches/c_corpora.py --gcc [--mirrors DIR] [--only NAME]

With --gcc, each codebase's preprocessing is compared with mingw-w64's `gcc -E` instead
(benches/preprocessor_gcc.rs; needs Debian's g++-mingw-w64-x86-64).

Sources come from GitHub (`git clone`), or from bare mirrors `DIR/<owner>+<name>/repo`.
"""

import argparse
import collections
import csv
import subprocess
import tempfile
from pathlib import Path

from lint_run import lint

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "target" / "bench" / "c"
VERDICTS = ROOT / "benches" / "verdicts"

# name: (repository, commit, subtrees linted)
CORPORA = {
    "npp": ("notepad-plus-plus/notepad-plus-plus", "a6c46fd4cb0fa115ced3b3bfb1ff53fbdb8989f3", ["."]),
    "7zip": ("ip7z/7zip", "5e96a8279489832924056b1fa82f29d5837c9469", ["."]),
    "curl": ("curl/curl", "5c61e168698a72b87437d58ed728bcdea6d5db42", ["lib"]),
    "libuv": ("libuv/libuv", "6179e7af87413396d5853a1c3722c8b5749336c8", ["src/win", "include"]),
    "sdl": ("libsdl-org/SDL", "38aace93598bcd2ae12eec4d277790425cf08ade",
            ["src/video/windows", "src/core/windows"]),
    "wcs": ("microsoft/Windows-classic-samples", "adf93f04125e0b5bd84ad0a9a073f7fea993a360",
            ["Samples/Win7Samples/winui", "Samples/Win7Samples/multimedia", "Samples/Win7Samples/com"]),
}


def extract(name, repo, commit, mirrors):
    dest = WORK / name
    marker = dest / ".extracted"
    if marker.is_file() and marker.read_text() == commit:
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    git_dir = None
    if mirrors:
        candidate = Path(mirrors) / repo.replace("/", "+") / "repo"
        if candidate.is_dir():
            git_dir = candidate
    with tempfile.TemporaryDirectory() as scratch:
        if git_dir is None:
            git_dir = Path(scratch) / "repo"
            subprocess.run(["git", "clone", "--quiet", "--bare", "--filter=blob:none",
                            f"https://github.com/{repo}", str(git_dir)], check=True)
        archive = subprocess.run(["git", "--git-dir", str(git_dir), "archive", commit],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    marker.write_text(commit)
    return dest


def verdicts_of(name):
    path = VERDICTS / f"{name}.tsv"
    if not path.is_file():
        return {}
    with path.open(newline="") as f:
        rows = [r for r in csv.reader(f, delimiter="\t") if r and not r[0].startswith("#")]
    return {(r[2], int(r[3]), r[4]): r[5] for r in rows}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mirrors", help="directory of bare mirrors <owner>+<name>/repo")
    parser.add_argument("--binary", default=str(ROOT / "target" / "release" / "ptrwidth"))
    parser.add_argument("--only", action="append")
    parser.add_argument("--unjudged", action="store_true", help="list error findings without a verdict")
    parser.add_argument("--false", action="store_true", dest="false_rows", help="list error findings judged false")
    parser.add_argument("--gcc", action="store_true", help="compare the preprocessor with mingw-w64 gcc -E")
    parser.add_argument("--sample", default="40", help="with --gcc: source files per codebase")
    args = parser.parse_args()
    if args.gcc:
        for name, (repo, commit, subtrees) in CORPORA.items():
            if args.only and name not in args.only:
                continue
            tree = extract(name, repo, commit, args.mirrors)
            print(f"{name} {commit[:8]}: ", end="", flush=True)
            subprocess.run(["cargo", "bench", "--quiet", "--bench", "preprocessor-gcc", "--",
                            "--sample", args.sample, str(tree), *subtrees], cwd=ROOT, check=True)
        return
    if args.binary == str(ROOT / "target" / "release" / "ptrwidth"):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    print("| codebase | files | parsed in part | errors | warnings | true | debatable | false | unjudged | seconds | peak MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    totals = collections.Counter()
    unjudged_rows = []
    for name, (repo, commit, subtrees) in CORPORA.items():
        if args.only and name not in args.only:
            continue
        tree = extract(name, repo, commit, args.mirrors)
        report, seconds, peak = lint(args.binary, tree, subtrees)
        verdicts = verdicts_of(name)
        summary = report["summary"]
        judged = collections.Counter()
        for d in report["diagnostics"]:
            if d["level"] != "error":
                continue
            verdict = verdicts.get((d["path"], d["line"], d["rule"]), "unjudged")
            judged[verdict] += 1
            if verdict == "unjudged" or (verdict == "false" and args.false_rows):
                unjudged_rows.append(f"{verdict}\t{name}\t{commit[:8]}\t{d['path']}\t{d['line']}\t{d['rule']}\t{d['message']}")
        totals.update(judged)
        totals["errors"] += summary["errors"]
        totals["files"] += summary["files"]
        totals["partial"] += summary["unreadable"]
        print(f"| {name} | {summary['files']} | {summary['unreadable']} | {summary['errors']} | {summary['warnings']} "
              f"| {judged['true']} | {judged['debatable']} | {judged['false']} | {judged['unjudged']} "
              f"| {seconds:.2f} | {peak} |")
    kept = totals["true"] + totals["debatable"]
    judged_total = kept + totals["false"]
    if judged_total:
        print(f"\nerror-level precision (true or debatable / judged): {kept}/{judged_total} = "
              f"{100 * kept / judged_total:.0f}%; unjudged: {totals['unjudged']}; "
              f"files parsed in part: {totals['partial']}/{totals['files']}")
    if args.unjudged or args.false_rows:
        print("\n" + "\n".join(unjudged_rows))


if __name__ == "__main__":
    main()
