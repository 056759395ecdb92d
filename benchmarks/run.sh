#!/usr/bin/env bash
# Builds and runs Meedoen's benchmarks and prints a Markdown block (machine,
# commit, date, compiler, load, figures) for benchmarks/RESULTS.md.
#
# Usage: benchmarks/run.sh [--quick] [--wait-quiet] [--profile]
#   --quick       shorter runs (one repetition), for trying things out
#   --wait-quiet  first wait (up to 15 minutes) until the 1-minute load average is below 1.5
#   --profile     also perf record the weekly step (scale 1, 1 thread) and print the hottest functions
#
# Build: the project's build dir build/cpp when it exists and is a Release
# (or default) build (benchmarks switched on there if they were off), else its own
# Release build in build/bench. BUILD_DIR=... overrides the choice.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

quick=0 wait_quiet=0 profile=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    --wait-quiet) wait_quiet=1 ;;
    --profile) profile=1 ;;
    -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $arg (see --help)" >&2; exit 2 ;;
  esac
done

# The project's own cmake and ninja (the Makefile's .venv) when present, else those on PATH.
cmake_bin=cmake
generator_args=(-G Ninja)
if [[ -x .venv/bin/cmake ]]; then cmake_bin=.venv/bin/cmake; fi
if [[ -x .venv/bin/ninja ]]; then generator_args+=(-DCMAKE_MAKE_PROGRAM="$root/.venv/bin/ninja"); fi

cache_value() { sed -n "s/^$2:[A-Z]*=//p" "$1/CMakeCache.txt" 2>/dev/null; }

if [[ -z "${BUILD_DIR:-}" ]]; then
  BUILD_DIR=build/bench
  # An empty build type is a Release build too (the top CMakeLists.txt defaults to Release).
  if [[ -f build/cpp/CMakeCache.txt && "$(cache_value build/cpp CMAKE_BUILD_TYPE)" =~ ^(Release|)$ ]]; then
    BUILD_DIR=build/cpp
  fi
fi
if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  "$cmake_bin" -S . -B "$BUILD_DIR" "${generator_args[@]}" -DCMAKE_BUILD_TYPE=Release -DMEEDOEN_BENCHMARKS=ON >/dev/null
elif [[ "$(cache_value "$BUILD_DIR" MEEDOEN_BENCHMARKS)" != ON ]]; then
  "$cmake_bin" -S . -B "$BUILD_DIR" -DMEEDOEN_BENCHMARKS=ON >/dev/null
fi
"$cmake_bin" --build "$BUILD_DIR" --target meedoen_benchmarks meedoen_memory >&2
bench="$BUILD_DIR/benchmarks/meedoen_benchmarks"
memory="$BUILD_DIR/benchmarks/meedoen_memory"

load1() { cut -d' ' -f1 /proc/loadavg; }
if ((wait_quiet)); then
  for ((waited = 0; waited < 900; waited += 30)); do
    awk -v l="$(load1)" 'BEGIN { exit !(l < 1.5) }' && break
    echo "run.sh: load average $(load1), waiting for it to fall below 1.5 ($waited s so far)" >&2
    sleep 30
  done
fi
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
# CPU time (clock ticks) of the whole machine, and of this script's finished children, to tell how
# much of the machine other processes took while the benchmarks ran.
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
own_ticks() { awk '{ print $16 + $17 }' "/proc/$$/stat"; }
read -r busy_before total_before < <(machine_ticks)
own_before="$(own_ticks)"

out_dir="$BUILD_DIR/benchmarks/results"
mkdir -p "$out_dir"
json="$out_dir/bench.json"
bench_args=(--benchmark_out="$json" --benchmark_out_format=json)
if ((quick)); then
  bench_args+=(--benchmark_min_time=0.2)
else
  # Every repetition goes to the JSON file (the table shows the median and the best).
  bench_args+=(--benchmark_repetitions=5 --benchmark_display_aggregates_only=true)
fi
"$bench" "${bench_args[@]}" >&2
"$memory" 1 >"$out_dir/memory_1.txt"
"$memory" 10 >"$out_dir/memory_10.txt"
cat "$out_dir/memory_1.txt" "$out_dir/memory_10.txt" >&2
mem1="$(grep '^MEMORY' "$out_dir/memory_1.txt")"
mem10="$(grep '^MEMORY' "$out_dir/memory_10.txt")"
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
read -r busy_after total_after < <(machine_ticks)
own_after="$(own_ticks)"
others="$(awk -v b=$((busy_after - busy_before)) -v t=$((total_after - total_before)) \
  -v o=$((own_after - own_before)) 'BEGIN { x = t > 0 ? (b - o) / t * 100 : 0; printf "%.0f", x < 0 ? 0 : x }')"

# The machine, the commit, the compiler.
model="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
cpus="$(nproc --all)"
mem_gib="$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)"
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]]; then commit="$commit-dirty"; fi
compiler="$("$(cache_value "$BUILD_DIR" CMAKE_CXX_COMPILER)" --version | head -1)"
flags="$(cache_value "$BUILD_DIR" CMAKE_CXX_FLAGS) $(cache_value "$BUILD_DIR" CMAKE_CXX_FLAGS_RELEASE)"
flags="$(echo $flags)"  # without the spaces around it

python3 - "$json" "$mem1" "$mem10" <<PY
import json, sys

data = json.load(open(sys.argv[1]))
runs = {}  # run name -> its repetitions
for b in data["benchmarks"]:
    if b.get("run_type", "iteration") == "iteration":
        runs.setdefault(b["run_name"], []).append(b)

def ms(b):
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
    return b["real_time"] * scale

def median(values):
    v = sorted(values)
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2

def mem(line):
    return dict(kv.split("=") for kv in line.split()[1:])

m1, m10 = mem(sys.argv[2]), mem(sys.argv[3])
reps = max(len(r) for r in runs.values())
agg = f"median and best (shortest) of {reps} repetitions" if reps > 1 else "one run"
print("| | |")
print("| --- | --- |")
print("| machine | ${model}, ${cpus} CPUs, ${mem_gib} GiB |")
print("| commit | ${commit} |")
print("| date | $(date -u '+%Y-%m-%d %H:%M UTC') |")
print("| compiler | ${compiler}, CMAKE_CXX_FLAGS_RELEASE=\`${flags}\` |")
print("| load average (1, 5, 15 min) | before ${load_before}; after ${load_after} |")
print("| other processes during the run | ${others}% of the machine's CPU time |")
print("| timings | " + agg + ", wall-clock time |")
print()
print("| benchmark | time per iteration, median | best | agent-weeks per second, median | best |")
print("| --- | ---: | ---: | ---: | ---: |")
for name, reps_ in runs.items():
    times = [ms(b) for b in reps_]
    rates = [b.get("agent_weeks_per_s") for b in reps_]
    rate_text = f"{median(rates) / 1e6:.1f} M | {max(rates) / 1e6:.1f} M" if all(rates) else " | "
    label = name.replace("/real_time", "").replace("/min_time:2.000", "")
    print(f"| {label} | {median(times):.2f} ms | {min(times):.2f} ms | {rate_text} |")
print()
print("| bytes per agent | scale 1 | scale 10 |")
print("| --- | ---: | ---: |")
for key, label in [("people", "people columns (capacity)"), ("network", "network: CSR rows and columns (capacity)"),
                   ("buffers", "simulation buffers (from sizes)"), ("exact", "**exact total**"),
                   ("heap", "**live heap growth** (everything held)"),
                   ("other", "of which other (interventions' per-person state)"),
                   ("runner_copy", "+ runner's second copy of People"),
                   ("peak_rss", "**peak RSS growth**"), ("resident", "resident RSS growth after the first step")]:
    print(f"| {label} | {m1[key]} | {m10[key]} |")
print(f"| agents | {m1['agents']} | {m10['agents']} |")
PY

if ((profile)); then
  perf_data="$out_dir/perf.data"
  # 10 s of steps after about 1 s of building the city, which shows up as the set-up functions.
  perf record -o "$perf_data" -- "$bench" --benchmark_filter='BM_Step/scale:1/threads:1' \
    --benchmark_min_time=10 >/dev/null 2>&1
  echo
  echo "perf report (BM_Step scale 1, 1 thread; self time; $(perf report -i "$perf_data" --header-only 2>/dev/null |
    sed -n 's/^# event : name = \([^,]*\),.*/\1/p' | head -1) sampling):"
  echo '```'
  perf report -i "$perf_data" --no-children --stdio --percent-limit 1 2>/dev/null | grep -v '^#' | grep -v '^$' | head -25
  echo '```'
fi
