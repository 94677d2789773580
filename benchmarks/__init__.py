"""ember's benchmark suite (run.py), its per-measurement worker and a profiling helper."""
