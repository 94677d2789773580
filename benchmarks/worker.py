"""Time one workload on one library in this (fresh) process; print the result as JSON.

    python benchmarks/worker.py LIBRARY WORKLOAD --threads N
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
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, REPO)

import workloads  # noqa: E402  (benchmarks/ is this script's directory)

# Batches shorter than this are dominated by timer resolution and loop noise.
MIN_BATCH_S = 0.02
WARMUP_S = 0.2
MEASURE_S = 1.0
MIN_SAMPLES = 7
MAX_SAMPLES = 200


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


def run_batch(step, n):
    start = time.perf_counter()
    for _ in range(n):
        step()
    return time.perf_counter() - start


def measure(step):
    """Median seconds per call of step(), over batches long enough to time reliably."""
    deadline = time.perf_counter() + WARMUP_S
    calls = 0
    while calls < 3 or time.perf_counter() < deadline:
        step()
        calls += 1
    n = 1
    while True:
        elapsed = run_batch(step, n)
        if elapsed >= MIN_BATCH_S:
            break
        n = max(n * 2, int(n * MIN_BATCH_S / max(elapsed, 1e-9) * 1.2))
    samples = []
    start = time.perf_counter()
    while len(samples) < MIN_SAMPLES or (time.perf_counter() - start < MEASURE_S
                                         and len(samples) < MAX_SAMPLES):
        samples.append(run_batch(step, n) / n)
    return {"seconds": statistics.median(samples), "min": min(samples), "max": max(samples),
            "samples": len(samples), "calls_per_sample": n}


def run_workload(library, name, threads):
    wl = workloads.WORKLOADS[name]
    lib = import_library(library, threads)
    result = {"workload": name, "library": library}
    if library == "numpy":
        step = wl.build_numpy(lib)
        result.update(measure(step))
        return result
    missing = workloads.missing_feature(lib, wl)
    if missing is not None:
        result["skipped"] = f"{library} has no {missing} yet"
        return result
    try:
        with lib.no_grad() if wl.no_grad else contextlib.nullcontext():
            step = wl.build(lib)
            result.update(measure(step))
    except Exception as exc:  # report it in the table instead of aborting the suite
        result["error"] = f"{type(exc).__name__}: {exc}"
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
                         f"({p.get('architecture')}, {p.get('num_threads')} threads)"
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
    parser.add_argument("--info", action="store_true")
    args = parser.parse_args()
    if args.info:
        result = machine_info()
    else:
        if args.workload not in workloads.WORKLOADS:
            parser.error(f"unknown workload {args.workload!r}")
        result = run_workload(args.library, args.workload, args.threads)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
