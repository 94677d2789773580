"""DataLoader throughput: batches/s with worker processes against the main process alone.

    python benchmarks/dataloader_bench.py [--rounds 3] [--workers 0 2] [--batches 40]
                                          [--item-ms 1.0] [--torch]

Each sample costs about --item-ms milliseconds, in one of two ways: "cpu" (NumPy work,
calibrated at start-up, which needs a core of its own to overlap) and "sleep"
(time.sleep, which overlaps even on a busy machine: it shows the loader's own
overhead). Each round times, for every worker count, one epoch of --batches batches of
--batch-size samples after a warm-up epoch (persistent workers, so process start-up is
timed apart, as "start s"). Configurations are interleaved round by round so drift in
machine load hits all alike; the table shows the median over rounds and the speed-up
over num_workers=0. --torch also times torch.utils.data.DataLoader on the same datasets.
"""
import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")  # workers must not fight over BLAS threads

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [os.path.dirname(HERE)] + [p for p in sys.path
                                         if os.path.abspath(p or os.curdir) != HERE]


class CpuBound:
    """__getitem__ does `reps` small matrix products: about item_ms of one core."""

    def __init__(self, length, reps):
        self.length, self.reps = length, reps
        # NOTE: a gain of 2 keeps the values near 1: shrinking towards zero, they would
        # turn subnormal and the work would slow down several times as it runs.
        rng = np.random.default_rng(0)
        self.matrix = (rng.standard_normal((48, 48)) * 2 / np.sqrt(48)).astype(np.float32)

    def __len__(self):
        return self.length

    def __getitem__(self, i):
        x = self.matrix * (1 + i % 7)
        for _ in range(self.reps):
            x = np.tanh(x @ self.matrix)
        return x[:16, :16].copy(), i


class Sleeping:
    """__getitem__ sleeps item_ms: the work a worker does while waiting on I/O."""

    def __init__(self, length, item_ms):
        self.length, self.seconds = length, item_ms / 1000
        self.sample = np.zeros((16, 16), dtype=np.float32)

    def __len__(self):
        return self.length

    def __getitem__(self, i):
        time.sleep(self.seconds)
        return self.sample + i, i


def calibrate(item_ms):
    """How many repetitions of CpuBound's work take item_ms on this machine."""
    probe = CpuBound(7, 50)
    best = float("inf")
    for i in range(7):
        start = time.perf_counter()
        probe[i]
        best = min(best, time.perf_counter() - start)
    return max(1, round(50 * item_ms / 1000 / best))


def time_epochs(loader_cls, dataset, workers, batch_size):
    """(seconds to start the workers and deliver the first batch, seconds for an epoch)."""
    kwargs = dict(batch_size=batch_size, num_workers=workers)
    if workers:
        kwargs["persistent_workers"] = True
    loader = loader_cls(dataset, **kwargs)
    start = time.perf_counter()
    iterator = iter(loader)
    next(iterator)
    started = time.perf_counter() - start
    for _ in iterator:  # finish the warm-up epoch
        pass
    start = time.perf_counter()
    count = sum(1 for _ in loader)
    elapsed = time.perf_counter() - start
    assert count == len(loader)
    del loader
    return started, elapsed


def loaders(use_torch):
    from ember.utils.data import DataLoader
    found = {"ember": DataLoader}
    if use_torch:
        import torch
        torch.set_num_threads(1)
        found["torch"] = torch.utils.data.DataLoader
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 2])
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--item-ms", type=float, default=1.0)
    parser.add_argument("--torch", action="store_true", help="also time torch's DataLoader")
    args = parser.parse_args(argv)

    length = args.batches * args.batch_size
    reps = calibrate(args.item_ms)
    datasets = {"cpu": CpuBound(length, reps), "sleep": Sleeping(length, args.item_ms)}
    found = loaders(args.torch)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; {args.batches} "
          f"batches of {args.batch_size} samples, ~{args.item_ms} ms each ({reps} reps)")
    results = {}
    for _ in range(args.rounds):
        for kind, dataset in datasets.items():
            for lib, loader_cls in found.items():
                for workers in args.workers:
                    started, elapsed = time_epochs(loader_cls, dataset, workers,
                                                   args.batch_size)
                    results.setdefault((kind, lib, workers), []).append(
                        (started, args.batches / elapsed))
    print(f"{'work':6} {'library':7} {'workers':>7} {'batches/s':>10} {'range':>15} "
          f"{'speed-up':>8} {'start s':>8}")
    for (kind, lib, workers), runs in results.items():
        rates = [rate for _, rate in runs]
        rate = statistics.median(rates)
        base = statistics.median(rate for _, rate in results[(kind, lib, args.workers[0])])
        spread = f"{min(rates):.1f}-{max(rates):.1f}"
        start = statistics.median(s for s, _ in runs)
        print(f"{kind:6} {lib:7} {workers:7d} {rate:10.1f} {spread:>15} {rate / base:7.2f}x "
              f"{start:8.3f}")


if __name__ == "__main__":
    main()
