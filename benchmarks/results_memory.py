"""Peak memory and time of reading a big results file: open_results, `meedoen compare` and
`meedoen report` on 1,000 replicates of the seven scenarios of scenarios/leiden.toml (issue 13).

Usage: .venv/bin/python benchmarks/results_memory.py [--replicates 1000] [--scale 1] [--keep DIR]

The file is made as tests/python/test_results_memory.py makes its own: a real run of two
replicates at ``--scale`` (260 weeks), made into ``--replicates`` replicates by copying the
compressed chunks (with_replicates). Each command runs as a child process; its peak is its own
maximum resident set size (os.wait4). Prints a Markdown block for benchmarks/RESULTS.md.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "python"))

from conftest import LEIDEN, meedoen_command  # noqa: E402
from test_results_memory import with_replicates  # noqa: E402

OPEN = "import sys, meedoen; r = meedoen.open_results(sys.argv[1]); print(r)"


def measured(command: list[str]) -> tuple[float, int]:
    """Wall time (s) and maximum resident set size (bytes) of ``command`` as a child process."""
    start = time.monotonic()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command)} failed")
    return time.monotonic() - start, usage.ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--scale", default="1")
    parser.add_argument("--keep", type=Path, help="a folder to keep the files in (default: temporary)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="meedoen-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        source, big = folder / "two.h5", folder / f"replicates-{args.replicates}.h5"
        meedoen = meedoen_command()
        run = [meedoen, "run", str(LEIDEN), "--scale", args.scale, "--replicates", "2", "--quiet"]
        subprocess.run([*run, "-o", str(source)], check=True, stdout=subprocess.DEVNULL)
        with_replicates(source, big, args.replicates)
        commands = {
            "`meedoen.open_results`": [sys.executable, "-c", OPEN, str(big)],
            "`meedoen compare`": [meedoen, "compare", str(big)],
            "`meedoen report`": [meedoen, "report", str(big), "-o", str(folder / "report.html")],
        }
        rows = [(name, *measured(command)) for name, command in commands.items()]
        size = big.stat().st_size
    print(f"{args.replicates} replicates of the seven scenarios (260 weeks, scale {args.scale}), "
          f"a file of {size / 1e6:.0f} MB; commit {_commit()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"load average {' '.join(Path('/proc/loadavg').read_text().split()[:3])}, {os.cpu_count()} CPUs.")
    print()
    print("| command | wall time | peak RSS |")
    print("| --- | ---: | ---: |")
    for name, seconds, peak in rows:
        print(f"| {name} | {seconds:.1f} s | {peak / 2**20:.0f} MiB |")


def _commit() -> str:
    run = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    return run.stdout.strip() or "unknown"


if __name__ == "__main__":
    main()
