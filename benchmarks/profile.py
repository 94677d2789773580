"""Profile one workload on ember: where does each iteration's time go?

    python benchmarks/profile.py WORKLOAD [--iters N] [--top K] [--library ember|torch]

Runs the workload's step N times under cProfile and prints the top functions by
tottime, per iteration: calls, own time and cumulative time in microseconds, plus
the number of Python-level and built-in calls per iteration. cProfile inflates every
Python call by a roughly constant cost, so read the times as proportions; the
unprofiled time per iteration is printed for scale.
"""
import argparse
import contextlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# NOTE: this script shares its name with the stdlib module `profile`, which cProfile
# imports; keep benchmarks/ off sys.path and import the suite from the repository root.
sys.path[:] = [REPO] + [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE]
import cProfile  # noqa: E402
import pstats  # noqa: E402

from benchmarks import worker, workloads  # noqa: E402


def location(func):
    """file:line(name) with paths shortened relative to the repository."""
    filename, line, name = func
    if filename == "~":
        return name
    if filename.startswith(REPO + os.sep):
        filename = os.path.relpath(filename, REPO)
    else:
        filename = os.path.basename(filename)
    return f"{filename}:{line}({name})"


def report(stats, iters, top):
    entries = stats.stats  # func -> (primitive calls, total calls, tottime, cumtime, callers)
    python_calls = sum(e[1] for f, e in entries.items() if f[0] != "~")
    builtin_calls = sum(e[1] for f, e in entries.items() if f[0] == "~")
    total = sum(e[2] for e in entries.values())
    print(f"profiled: {total / iters * 1e6:.2f} us/iter, {python_calls / iters:.1f} Python "
          f"calls/iter, {builtin_calls / iters:.1f} built-in calls/iter\n")
    print(f"{'calls/it':>8}  {'tottime us/it':>13}  {'cumtime us/it':>13}  function")
    ranked = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)
    for func, (_, calls, tottime, cumtime, _) in ranked[:top]:
        print(f"{calls / iters:8.2f}  {tottime / iters * 1e6:13.3f}  "
              f"{cumtime / iters * 1e6:13.3f}  {location(func)}")


def ensure_worker_env():
    """Re-run this script with the benchmark workers' environment (one thread, OpenBLAS
    choosing its kernel): BLAS reads it only when it loads."""
    env = worker.worker_env(threads=1)
    if env != dict(os.environ):
        os.execve(sys.executable, [sys.executable, os.path.abspath(__file__), *sys.argv[1:]],
                  env)


def main():
    ensure_worker_env()
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workload", choices=list(workloads.WORKLOADS))
    parser.add_argument("--iters", type=int,
                        help="iterations to profile (default: about one second's worth)")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--library", choices=["ember", "torch"], default="ember")
    args = parser.parse_args()

    wl = workloads.WORKLOADS[args.workload]
    lib = worker.import_library(args.library, threads=1)
    missing = workloads.missing_feature(lib, wl)
    if missing is not None:
        raise SystemExit(f"skipped: {args.library} has no {missing} yet")
    with lib.no_grad() if wl.no_grad else contextlib.nullcontext():
        step = wl.build(lib)
        plain = worker.measure(step)["seconds"]
        iters = args.iters or max(10, min(100_000, int(1.0 / plain)))
        print(f"{args.workload} on {args.library}: {plain * 1e6:.2f} us/iter unprofiled; "
              f"profiling {iters} iterations")
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(iters):
            step()
        profiler.disable()
    report(pstats.Stats(profiler), iters, args.top)


if __name__ == "__main__":
    main()
