"""One timed ptrwidth run for the corpus benchmarks: its JSON report, seconds and peak MB."""

import json
import subprocess
import sys


def lint(binary, tree, paths):
    cmd = ["/usr/bin/time", "-f", "%e %M", binary, "--format", "json", "--no-cache", *paths]
    done = subprocess.run(cmd, cwd=tree, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} in {tree}: exit {done.returncode}\n{done.stderr}")
    seconds, kilobytes = done.stderr.strip().splitlines()[-1].split()
    return json.loads(done.stdout), float(seconds), int(kilobytes) // 1024
