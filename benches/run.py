#!/usr/bin/env python3
"""Benchmarks ptrwidth on real trees beside ripgrep (the I/O-and-scan floor) and semgrep.

Corpora come only from package registries: crate sources through `cargo fetch` of a
throw-away project, and the mingw-w64 headers from Debian's mingw-w64-common. Writes a
Markdown table to benches/RESULTS.md (and prints it).

    python3 benches/run.py [--quick] [--no-semgrep]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "target" / "bench"
RG_PATTERN = "as u32|as DWORD|SetWindowLong|LoadLibrary|InprocServer"
CORPUS_CRATES = {
    "winapi": 'winapi = { version = "0.3", features = ["everything"] }',
    "windows-sys": 'windows-sys = { version = "0.61", features = ["Win32_Foundation", "Win32_UI_WindowsAndMessaging", "Win32_System_Threading", "Win32_Networking_WinSock", "Win32_System_LibraryLoader", "Win32_System_Registry", "Win32_Graphics_Gdi", "Win32_Security", "Win32_Storage_FileSystem", "Win32_System_Com"] }',
    "winit": 'winit = "0.30"',
    "native-windows-gui": 'native-windows-gui = "1"',
}
MINGW_HEADERS = Path("/usr/share/mingw-w64/include")


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, **kwargs)


def ensure_tools(want_semgrep):
    missing = [p for p, exe in [("ripgrep", "rg"), ("hyperfine", "hyperfine"), ("time", "/usr/bin/time")]
               if shutil.which(exe) is None]
    if not MINGW_HEADERS.is_dir():
        missing.append("mingw-w64-common")
    if missing:
        run(["apt-get", "update", "-qq"])
        run(["apt-get", "install", "-y", "-qq", *missing])
    if want_semgrep and shutil.which("semgrep") is None:
        run([sys.executable, "-m", "pip", "install", "-q", "semgrep"])


def fetch_crates():
    project = WORK / "corpus-project"
    (project / "src").mkdir(parents=True, exist_ok=True)
    (project / "src" / "lib.rs").write_text("")
    deps = "\n".join(CORPUS_CRATES.values())
    (project / "Cargo.toml").write_text(
        # The empty [workspace] keeps it out of ptrwidth's own workspace, which it lies inside.
        f'[package]\nname = "corpus"\nversion = "0.0.0"\nedition = "2021"\n\n[workspace]\n\n[dependencies]\n{deps}\n')
    run(["cargo", "fetch", "--manifest-path", str(project / "Cargo.toml")], stdout=subprocess.DEVNULL)
    meta = json.loads(subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--manifest-path", str(project / "Cargo.toml")],
        check=True, capture_output=True, text=True).stdout)
    dirs = {}
    for package in meta["packages"]:
        if package["name"] in CORPUS_CRATES and package["name"] not in dirs:
            dirs[package["name"]] = Path(package["manifest_path"]).parent
    return dirs


def tree_bytes(path):
    exts = {".rs", ".h", ".hpp", ".c", ".cpp", ".idl", ".reg", ".rgs", ".wxs", ".dll", ".lib"}
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file() and p.suffix.lower() in exts)


def hyperfine(commands, runs):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        args = ["hyperfine", "--style", "none", "--warmup", "1", "--runs", str(runs), "-i", "--export-json", out.name]
        run(args + commands, stdout=subprocess.DEVNULL)
        return [r["median"] for r in json.load(open(out.name))["results"]]


def peak_memory_mb(command):
    result = subprocess.run(["/usr/bin/time", "-f", "%M", *command], capture_output=True, text=True)
    return int(result.stderr.strip().splitlines()[-1]) / 1024


def semgrep_seconds(path):
    rules = ROOT / "benches" / "semgrep-rules.yml"
    cmd = ["semgrep", "--config", str(rules), "--metrics=off", "--quiet", "--json", "--no-git-ignore",
           "--timeout", "0", "--jobs", str(os.cpu_count()), str(path)]
    # Without this, semgrep waits on a network version check before it exits.
    return hyperfine(["SEMGREP_ENABLE_VERSION_CHECK=0 " + " ".join(cmd) + " > /dev/null"], runs=1)[0]


def linearity(exe, corpus, cores, runs):
    """How much longer a tree of four copies of `corpus` takes than one copy."""
    tree = WORK / "linearity"
    if not tree.is_dir():
        for copy in range(4):
            shutil.copytree(corpus, tree / f"copy{copy}")
    lint = f"{exe} --format json --quiet --no-cache -j{cores}"
    one, four = hyperfine([f"{lint} {corpus} > /dev/null", f"{lint} {tree} > /dev/null"], runs)
    return four / one


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="one measured run instead of five")
    parser.add_argument("--no-semgrep", action="store_true", help="skip the semgrep baseline")
    args = parser.parse_args()
    ensure_tools(not args.no_semgrep)
    run(["cargo", "build", "--release", "--quiet", "--bin", "ptrwidth"], cwd=ROOT)
    exe = ROOT / "target" / "release" / "ptrwidth"
    corpora = fetch_crates()
    corpora["mingw-w64 headers"] = MINGW_HEADERS
    runs = 1 if args.quick else 5
    cores = os.cpu_count()
    cache_dir = WORK / "cache"
    rows = []
    for name, path in corpora.items():
        mb = tree_bytes(path) / 1e6
        fresh = f"{exe} --format json --quiet --no-cache"
        # Filled by hyperfine's warm-up run, so the measured runs find every file in it.
        cached = f"{exe} --format json --quiet --cache-dir {cache_dir}"
        one, all_, warm, rg = hyperfine([
            f"{fresh} -j1 {path} > /dev/null",
            f"{fresh} -j{cores} {path} > /dev/null",
            f"{cached} -j{cores} {path} > /dev/null",
            f"rg -c '{RG_PATTERN}' {path} > /dev/null",
        ], runs)
        memory = peak_memory_mb([str(exe), "--format", "json", "--no-cache", str(path)])
        sem = None if args.no_semgrep else semgrep_seconds(path)
        rows.append((name, mb, one, all_, warm, rg, sem, memory))
        print(f"{name}: {mb:.1f} MB, -j1 {one:.3f}s, -j{cores} {all_:.3f}s, cached {warm:.3f}s, "
              f"rg {rg:.3f}s", file=sys.stderr)

    lines = [
        f"| corpus | MB | ptrwidth -j1 | ptrwidth -j{cores} | MB/s (-j{cores}) | rg | × rg | "
        f"semgrep | semgrep ÷ ptrwidth | peak memory | cached re-run | cached × rg |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, mb, one, all_, warm, rg, sem, memory in rows:
        sem_cells = ("n/a", "n/a") if sem is None else (f"{sem:.1f} s", f"{sem / all_:.0f}×")
        lines.append(f"| {name} | {mb:.1f} | {one:.3f} s | {all_:.3f} s | {mb / all_:.1f} | {rg:.3f} s | "
                     f"{all_ / rg:.0f}× | {sem_cells[0]} | {sem_cells[1]} | {memory:.0f} MB | "
                     f"{warm:.3f} s | {warm / rg:.0f}× |")
    scale = linearity(exe, corpora["winapi"], cores, runs)
    table = "\n".join(lines)
    header = ("# Benchmark results\n\nWhole-process wall time (median), files in the page cache, "
              f"{cores} cores, release build; produced by `python3 benches/run.py`. ptrwidth runs "
              "with `--no-cache` except in the last two columns, which re-run it on the unchanged "
              "tree with its cache filled.\n\n")
    notes = []
    if args.quick:
        notes.append("one measured run per command (`--quick`)")
    if args.no_semgrep:
        notes.append("semgrep not run (`--no-semgrep`)")
    footer = f"\nMeasured with {' and '.join(notes)}.\n" if notes else ""
    linear = (f"\nLinearity: winapi copied 4 times into one tree takes {scale:.2f}× the time of one "
              f"copy (`--no-cache -j{cores}`).\n")
    (ROOT / "benches" / "RESULTS.md").write_text(header + table + "\n" + linear + footer)
    print(table + "\n" + linear)


if __name__ == "__main__":
    main()
