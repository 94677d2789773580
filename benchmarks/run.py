"""ember's benchmark suite: the same PyTorch-API workloads on ember and on torch.

    python benchmarks/run.py [--rounds 3] [--threads 1] [--only NAME ...] [--markdown PATH]

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
sys.path.insert(0, HERE)

import workloads  # noqa: E402

WORKER = os.path.join(HERE, "worker.py")
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
# NOTE: these force an OpenBLAS kernel and cache size that can halve NumPy's matmul
# speed on newer CPUs (Haswell kernel on an AVX-512 machine); the workers let OpenBLAS
# pick its own.
OPENBLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
WORKER_TIMEOUT_S = 600


def worker_env(threads):
    env = dict(os.environ)
    for name in OPENBLAS_OVERRIDES:
        env.pop(name, None)
    for name in THREAD_VARIABLES:
        env[name] = str(threads)
    return env


def run_worker(args, env):
    proc = subprocess.run([sys.executable, WORKER, *args], env=env, capture_output=True,
                          text=True, timeout=WORKER_TIMEOUT_S)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"worker failed: {tail}"}
    return json.loads(lines[-1])


# ---------------------------------------------------------------- measuring

def measure_workload(wl, libraries, rounds, threads, env):
    """{library: [per-round result]}; a library that skips or fails stops after round 1."""
    results = {lib: [] for lib in libraries}
    for _ in range(rounds):
        for lib in libraries:
            done = results[lib]
            if done and ("skipped" in done[-1] or "error" in done[-1]):
                continue
            done.append(run_worker([lib, wl.name, "--threads", str(threads)], env))
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


# ---------------------------------------------------------------- reporting

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
        out.append([row["workload"], row["unit"], _number(row.get("ember")),
                    _number(row.get("torch")), _number(row.get("numpy")), ratio_text,
                    row["target"], row["result"]])
    return out


def text_table(rows):
    cells = [COLUMNS] + table_rows(rows)
    widths = [max(len(r[i]) for r in cells) for i in range(len(COLUMNS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows):
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(r) + " |" for r in table_rows(rows)]
    return "\n".join(lines)


def markdown_report(rows, info, args):
    cpu = f"{info.get('cpu')} ({info.get('cores')} cores)"
    torch_text = info.get("torch") or "not installed"
    if info.get("torch_blas"):
        torch_text += f" (BLAS: {info['torch_blas']})"
    return "\n".join([
        "# ember benchmark results",
        "",
        f"Measured {datetime.date.today().isoformat()} with `python benchmarks/run.py "
        f"--rounds {args.rounds} --threads {args.threads}`.",
        "",
        f"- CPU: {cpu}",
        f"- Python {info.get('python')}, NumPy {info.get('numpy')}, torch {torch_text}",
        f"- NumPy BLAS: {info.get('blas')}",
        f"- threads: {args.threads} (OMP/MKL/OPENBLAS_NUM_THREADS, torch.set_num_threads)",
        "",
        "ember and torch columns: median over rounds; ember/torch: median of the "
        "per-round ratios (range in parentheses); result: the target's ratio "
        "(median of rounds). Ratios are of the row's unit: for us/iter lower is better, "
        "for GFLOP/s higher is better.",
        "",
        markdown_table(rows),
        "",
    ])


# ---------------------------------------------------------------- main

def parse_args():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=list(workloads.WORKLOADS),
                        help="workloads to run (default: all): " + ", ".join(workloads.WORKLOADS))
    parser.add_argument("--markdown", metavar="PATH", help="also write the table as Markdown")
    args = parser.parse_args()
    if args.rounds < 1 or args.threads < 1:
        parser.error("--rounds and --threads must be at least 1")
    return args


def main():
    args = parse_args()
    env = worker_env(args.threads)
    have_torch = importlib.util.find_spec("torch") is not None
    info = run_worker(["--info"], env)
    print(f"{info.get('cpu')}, {info.get('cores')} cores; NumPy BLAS: {info.get('blas')}; "
          f"{args.threads} thread(s), {args.rounds} round(s)"
          + ("" if have_torch else "; torch not installed: ember only"))
    rows = []
    for name in args.only or workloads.WORKLOADS:
        wl = workloads.WORKLOADS[name]
        libraries = [lib for lib in wl.libraries() if lib != "torch" or have_torch]
        print(f"  {name} ({', '.join(libraries)}) ...", flush=True)
        rows.append(summarize(wl, measure_workload(wl, libraries, args.rounds, args.threads,
                                                   env)))
    print()
    print(text_table(rows))
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(markdown_report(rows, info, args))
        print(f"\nwrote {args.markdown}")


if __name__ == "__main__":
    main()
