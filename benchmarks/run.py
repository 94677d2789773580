"""ember's benchmark suite: the same PyTorch-API workloads on ember and on torch.

    python benchmarks/run.py [--rounds 3] [--threads 1] [--only NAME ...] [--markdown PATH]
                             [--cpu-time]

Each measurement runs in a fresh process (benchmarks/worker.py), libraries interleaved
round by round (ember, torch, ember, torch, ...) so that drift in machine speed hits
both alike. The table shows each library's median over rounds, the ember/torch ratio
(median of the per-round ratios) and the project's target for the workload.
"""
import argparse
import datetime
import importlib.util
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
# NOTE: run as a script, Python puts benchmarks/ first on sys.path, where profile.py
# would shadow the stdlib module that cProfile (and torch) import; import from the root.
sys.path[:] = [REPO] + [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE]

from benchmarks import workloads  # noqa: E402
from benchmarks.worker import worker_env  # noqa: E402

WORKER = os.path.join(HERE, "worker.py")
WORKER_TIMEOUT_S = 600


def run_worker(args, env):
    try:
        proc = subprocess.run([sys.executable, WORKER, *args], env=env, capture_output=True,
                              text=True, timeout=WORKER_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"error": f"worker timed out after {WORKER_TIMEOUT_S} s"}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"worker failed: {tail}"}
    return json.loads(lines[-1])


# ---------------------------------------------------------------- measuring

def measure_workload(wl, libraries, rounds, worker_args, env):
    """{library: [per-round result]}; a library that skips or fails stops after round 1."""
    results = {lib: [] for lib in libraries}
    for _ in range(rounds):
        for lib in libraries:
            done = results[lib]
            if done and ("skipped" in done[-1] or "error" in done[-1]):
                continue
            done.append(run_worker([lib, wl.name, *worker_args], env))
    return results


def metric(wl, result):
    """The displayed value of one measurement: microseconds per step, or GFLOP/s."""
    return wl.flops / result["seconds"] / 1e9 if wl.flops else result["seconds"] * 1e6


def paired_ratio(wl, results, lib, other):
    """Median over rounds of ember's metric / other's metric, with (min, max)."""
    ratios = [metric(wl, a) / metric(wl, b) for a, b in zip(results[lib], results[other])
              if "seconds" in a and "seconds" in b]
    if not ratios:
        return None
    return statistics.median(ratios), min(ratios), max(ratios)


def summarize(wl, results):
    row = {"workload": wl.name, "unit": wl.unit, "target": wl.target_text()}
    for lib, rounds in results.items():
        good = [metric(wl, r) for r in rounds if "seconds" in r]
        row[lib] = statistics.median(good) if good else None
    row["ratio"] = paired_ratio(wl, results, "ember", "torch") if "torch" in results else None
    bad = next((r for r in results["ember"] if "skipped" in r or "error" in r), None)
    if wl.rss_target is not None:
        row["memory"] = summarize_memory(wl, results)
    if bad is not None:
        row["result"] = f"skipped: {bad['skipped']}" if "skipped" in bad else \
            f"error: {bad['error']}"
    elif wl.target is None:
        row["result"] = "-"
    else:
        vs = paired_ratio(wl, results, "ember", wl.baseline) if wl.baseline in results else None
        if vs is None:
            row["result"] = f"n/a (no {wl.baseline} result)"
        else:
            row["result"] = f"{'pass' if wl.meets_target(vs[0]) else 'FAIL'} ({vs[0]:.2f})"
    return row


def summarize_memory(wl, results):
    """Peak-RSS growth per library (median over rounds, MiB), whole-process peak, and
    the ember/torch growth ratio (median of per-round ratios) against rss_target."""
    row = {}
    for lib in ("ember", "torch"):
        good = [r for r in results.get(lib, []) if "rss_growth_mb" in r]
        row[lib] = statistics.median(r["rss_growth_mb"] for r in good) if good else None
        row[lib + "_peak"] = statistics.median(r["peak_rss_mb"] for r in good) if good else None
    ratios = [a["rss_growth_mb"] / b["rss_growth_mb"]
              for a, b in zip(results.get("ember", []), results.get("torch", []))
              if "rss_growth_mb" in a and "rss_growth_mb" in b and b["rss_growth_mb"] > 0]
    row["ratio"] = statistics.median(ratios) if ratios else None
    row["target"] = f"ember/torch <= {wl.rss_target:g}"
    if row["ratio"] is None:
        row["result"] = "n/a"
    else:
        row["result"] = f"{'pass' if row['ratio'] <= wl.rss_target else 'FAIL'} " \
                        f"({row['ratio']:.2f})"
    return row


# ---------------------------------------------------------------- reporting

MAX_RESULT_CHARS = 90
COLUMNS = ["workload", "unit", "ember", "torch", "numpy", "ember/torch", "target", "result"]


def _number(value):
    if value is None:
        return "-"
    return f"{value:.3g}" if value < 100 else f"{value:.0f}"


def table_rows(rows):
    out = []
    for row in rows:
        ratio = row["ratio"]
        ratio_text = "-" if ratio is None else f"{ratio[0]:.2f}"
        if ratio is not None and ratio[1] != ratio[2]:
            ratio_text += f" ({ratio[1]:.2f}-{ratio[2]:.2f})"
        result = row["result"]
        if len(result) > MAX_RESULT_CHARS:
            result = result[:MAX_RESULT_CHARS - 3] + "..."
        out.append([row["workload"], row["unit"], _number(row.get("ember")),
                    _number(row.get("torch")), _number(row.get("numpy")), ratio_text,
                    row["target"], result])
    return out


def text_table(rows, columns=COLUMNS, cells=None):
    cells = [columns] + (table_rows(rows) if cells is None else cells)
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows, columns=COLUMNS, cells=None):
    cells = table_rows(rows) if cells is None else cells
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in cells]
    return "\n".join(lines)


MEMORY_COLUMNS = ["workload", "ember MiB", "torch MiB", "ember/torch", "target", "result",
                  "ember peak MiB", "torch peak MiB"]


def memory_rows(rows):
    """Cells of the peak-RSS table, for the workloads that measure memory."""
    return [[row["workload"], _number(m["ember"]), _number(m["torch"]),
             "-" if m["ratio"] is None else f"{m['ratio']:.2f}", m["target"], m["result"],
             _number(m["ember_peak"]), _number(m["torch_peak"])]
            for row in rows if (m := row.get("memory")) is not None]


def checkout_text():
    """The measured ember checkout: commit, and whether it had uncommitted changes."""
    def git(*cmd):
        proc = subprocess.run(["git", "-C", REPO, *cmd], capture_output=True, text=True)
        return proc.stdout.strip() if proc.returncode == 0 else None
    commit = git("rev-parse", "--short", "HEAD")
    if commit is None:
        return "not a git checkout"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "ember")
    return f"commit {commit}" + (" with uncommitted changes in ember/" if dirty else "")


def _one_line(text):
    return " ".join(text.split())


def command_text(args):
    return (f"python benchmarks/run.py --rounds {args.rounds} --threads {args.threads}"
            + (" --cpu-time" if args.cpu_time else ""))


def markdown_report(rows, info, args):
    cpu = f"{info.get('cpu')} ({info.get('cores')} cores)"
    torch_text = info.get("torch") or "not installed"
    if info.get("torch_blas"):
        torch_text += f" (BLAS: {info['torch_blas']})"
    return "\n".join([
        "# ember benchmark results",
        "",
        f"Measured {datetime.date.today().isoformat()} with `{command_text(args)}`.",
        "",
        f"- ember: {checkout_text()}",
        f"- CPU: {cpu}",
        f"- Python {info.get('python')}, NumPy {info.get('numpy')}, torch {torch_text}",
        f"- NumPy BLAS: {info.get('blas')}",
        f"- threads: {args.threads} (OMP/MKL/OPENBLAS_NUM_THREADS and set_num_threads in "
        "each library that has it)",
        "- timing: " + ("process CPU time (--cpu-time)" if args.cpu_time else "wall clock"),
        "",
        "ember and torch columns: median over rounds; ember/torch: median of the "
        "per-round ratios (range in parentheses); result: the target's ratio "
        "(median of rounds). Ratios are of the row's unit: for us/iter lower is better, "
        "for GFLOP/s higher is better.",
        "",
        markdown_table(rows),
        "",
        *memory_report(rows),
        "Workloads:",
        "",
        *(f"- `{row['workload']}`: {_one_line(workloads.WORKLOADS[row['workload']].description)}"
          for row in rows),
        "",
    ])


MEMORY_TEXT = ("Peak RSS: growth of the worker's peak resident set size "
               "(getrusage maxrss) from after the import and one tiny warm-up training "
               "step to the end of the timed steps, median over rounds; ember/torch: "
               "median of the per-round ratios. Peak columns: the whole process's peak.")


def memory_report(rows):
    cells = memory_rows(rows)
    if not cells:
        return []
    return [MEMORY_TEXT, "", markdown_table(rows, MEMORY_COLUMNS, cells), ""]


# ---------------------------------------------------------------- main

def parse_args():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=list(workloads.WORKLOADS),
                        help="workloads to run (default: all): " + ", ".join(workloads.WORKLOADS))
    parser.add_argument("--markdown", metavar="PATH", help="also write the table as Markdown")
    parser.add_argument("--cpu-time", action="store_true",
                        help="time with each worker's CPU time instead of wall time, for a "
                             "machine shared with other jobs (use with --threads 1)")
    args = parser.parse_args()
    if args.rounds < 1 or args.threads < 1:
        parser.error("--rounds and --threads must be at least 1")
    if args.cpu_time and args.threads > 1:
        parser.error("--cpu-time adds up the CPU time of all threads: use it with --threads 1")
    return args


def main():
    args = parse_args()
    env = worker_env(args.threads)
    have_torch = importlib.util.find_spec("torch") is not None
    info = run_worker(["--info"], env)
    print(f"{info.get('cpu')}, {info.get('cores')} cores; NumPy BLAS: {info.get('blas')}; "
          f"{args.threads} thread(s), {args.rounds} round(s)"
          + (", CPU time" if args.cpu_time else "")
          + ("" if have_torch else "; torch not installed: ember only"))
    worker_args = ["--threads", str(args.threads)] + (["--cpu-time"] if args.cpu_time else [])
    rows = []
    for name in args.only or workloads.WORKLOADS:
        wl = workloads.WORKLOADS[name]
        libraries = [lib for lib in wl.libraries() if lib != "torch" or have_torch]
        print(f"  {name} ({', '.join(libraries)}) ...", flush=True)
        rows.append(summarize(wl, measure_workload(wl, libraries, args.rounds, worker_args,
                                                   env)))
    print()
    print(text_table(rows))
    if memory_rows(rows):
        print("\npeak RSS growth (MiB):")
        print(text_table(rows, MEMORY_COLUMNS, memory_rows(rows)))
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(markdown_report(rows, info, args))
        print(f"\nwrote {args.markdown}")


if __name__ == "__main__":
    main()
