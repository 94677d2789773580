"""Time one workload on one library in this (fresh) process; print the result as JSON.

    python benchmarks/worker.py LIBRARY WORKLOAD --threads N [--cpu-time]
    python benchmarks/worker.py --info        # machine, versions and BLAS, as JSON

LIBRARY is ``ember`` or ``torch`` (imported as ``torch``, so the workload code is the
same) or ``numpy`` (for workloads with a NumPy variant). The runner (run.py) starts
this script in a fresh process per measurement, with the thread variables set.
"""
import argparse
import contextlib
import ctypes
import json
import os
import platform
import resource
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
# NOTE: run as a script, Python puts benchmarks/ first on sys.path, where profile.py
# would shadow the stdlib module that cProfile (and torch) import; import from the root.
sys.path[:] = [REPO] + [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE]

from benchmarks import workloads  # noqa: E402

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
# NOTE: these force an OpenBLAS kernel and cache size that can halve NumPy's matmul
# speed on newer CPUs (Haswell kernel on an AVX-512 machine); workers let OpenBLAS
# pick its own.
OPENBLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

# Batches shorter than this are dominated by timer resolution and loop noise.
MIN_BATCH_S = 0.02
WARMUP_S = 0.2
MEASURE_S = 1.0
MIN_SAMPLES = 7
MAX_SAMPLES = 200


def worker_env(threads):
    """This process's environment as a worker should see it (read by BLAS at import)."""
    env = dict(os.environ)
    for name in OPENBLAS_OVERRIDES:
        env.pop(name, None)
    for name in THREAD_VARIABLES:
        env[name] = str(threads)
    return env


def import_library(name, threads):
    if name == "ember":
        import ember as lib
    elif name == "torch":
        import torch as lib
    elif name == "numpy":
        import numpy as lib
        return lib
    else:
        raise SystemExit(f"unknown library {name!r}")
    if hasattr(lib, "set_num_threads"):
        lib.set_num_threads(threads)
    return lib


def run_batch(step, n, clock):
    start = clock()
    for _ in range(n):
        step()
    return clock() - start


def measure(step, clock=time.perf_counter):
    """Median seconds per call of step(), over batches long enough to time reliably.

    clock: time.perf_counter (wall time), or time.process_time where other processes
    compete for the cores (CPU time ignores the time this process waits to run).
    """
    deadline = time.perf_counter() + WARMUP_S
    calls = 0
    while calls < 3 or time.perf_counter() < deadline:
        step()
        calls += 1
    n = 1
    while True:
        elapsed = run_batch(step, n, clock)
        if elapsed >= MIN_BATCH_S:
            break
        n = max(n * 2, int(n * MIN_BATCH_S / max(elapsed, 1e-9) * 1.2))
    samples = []
    start = time.perf_counter()
    while len(samples) < MIN_SAMPLES or (time.perf_counter() - start < MEASURE_S
                                         and len(samples) < MAX_SAMPLES):
        samples.append(run_batch(step, n, clock) / n)
    return {"seconds": statistics.median(samples), "min": min(samples), "max": max(samples),
            "samples": len(samples), "calls_per_sample": n}


def peak_rss_mb():
    """This process's peak resident set size so far, in MiB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def warm_up_library(torch):
    """One tiny training step, so that what a library loads on its first backward and
    optimizer step is in the memory baseline rather than charged to the workload.

    NOTE: torch's first backward + SGD step alone raises the peak RSS by about 75 MiB
    (its autograd engine and kernels); without this every small workload would look
    several times cheaper on ember.
    """
    layer = torch.nn.Linear(4, 4)
    optimizer = torch.optim.SGD(layer.parameters(), lr=0.1)
    layer(torch.ones(2, 4)).sum().backward()
    optimizer.step()


def run_workload(library, name, threads, clock=time.perf_counter):
    wl = workloads.WORKLOADS[name]
    lib = import_library(library, threads)
    result = {"workload": name, "library": library}
    if library == "numpy":
        build, grad_context = wl.build_numpy, contextlib.nullcontext()
    else:
        missing = workloads.missing_feature(lib, wl)
        if missing is not None:
            result["skipped"] = f"{library} has no {missing} yet"
            return result
        build = wl.build
        if wl.rss_target is not None:
            warm_up_library(lib)
        grad_context = lib.no_grad() if wl.no_grad else contextlib.nullcontext()
    # NOTE: the workload's memory is the growth of the peak RSS from here: the import
    # alone holds about 220 MiB for torch and 65 MiB for ember, which would hide it.
    rss_before = peak_rss_mb()
    try:
        with grad_context:
            result.update(measure(build(lib), clock))
    except Exception as exc:  # report it in the table instead of aborting the suite
        result["error"] = f"{type(exc).__name__}: {exc}"
        return result
    if wl.flops:
        result["gflops"] = wl.flops / result["seconds"] / 1e9
    if wl.rss_target is not None:
        peak = peak_rss_mb()
        result["peak_rss_mb"] = peak
        result["rss_growth_mb"] = peak - rss_before
    return result


# ---------------------------------------------------------------- machine information

def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_info():
    """Which BLAS NumPy uses and which kernel it picked at run time."""
    import numpy
    try:
        import threadpoolctl
        pools = threadpoolctl.threadpool_info()
        return "; ".join(f"{p.get('internal_api')} {p.get('version')} "
                         f"({p.get('architecture')}, {p.get('num_threads')} thread(s))"
                         for p in pools if p.get("user_api") == "blas")
    except ImportError:
        pass
    blas = numpy.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    text = f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    core = _openblas_core()
    return f"{text}, kernel {core}" if core else text


def _openblas_core():
    # NOTE: the build string in show_config names the build's default core, not the one
    # OpenBLAS picked on this CPU (OPENBLAS_CORETYPE can force another); ask the loaded
    # library itself, whatever its symbol prefix.
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "openblas" in line.lower()}
    except OSError:
        return None
    for path in paths:
        lib = ctypes.CDLL(path)
        for symbol in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename",
                       "openblas_get_corename64_", "openblas_get_corename"):
            fn = getattr(lib, symbol, None)
            if fn is not None:
                fn.restype = ctypes.c_char_p
                return fn().decode()
    return None


def machine_info():
    import numpy
    info = {"cpu": cpu_model(), "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": numpy.__version__, "blas": blas_info(), "torch": None}
    try:
        import torch
        info["torch"] = torch.__version__
        info["torch_blas"] = "MKL" if torch.backends.mkl.is_available() else "other"
    except ImportError:
        pass
    return info


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("library", nargs="?")
    parser.add_argument("workload", nargs="?")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--cpu-time", action="store_true",
                        help="time with this process's CPU time instead of wall time")
    parser.add_argument("--info", action="store_true")
    args = parser.parse_args()
    if args.info:
        result = machine_info()
    else:
        if args.workload not in workloads.WORKLOADS:
            parser.error(f"unknown workload {args.workload!r}")
        clock = time.process_time if args.cpu_time else time.perf_counter
        result = run_workload(args.library, args.workload, args.threads, clock)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
