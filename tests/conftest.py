import os
import sys

# Tests run single-threaded BLAS for stable timing and no oversubscription under xdist.
os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(__file__))
