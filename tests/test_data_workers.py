"""DataLoader worker processes: parent watching under forkserver, and no shared memory
left behind when the main process dies."""
import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from ember.utils.data import DataLoader, _worker

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Ramp:
    def __len__(self):
        return 6

    def __getitem__(self, i):
        return np.full(3, i, dtype=np.float32)


def test_forkserver_workers_survive_an_idle_main_process():
    # A worker watches the process that started it: under forkserver that is the server,
    # so comparing with the main process's pid made idle workers quit.
    got = []
    for batch in DataLoader(Ramp(), batch_size=3, num_workers=1,
                            multiprocessing_context="forkserver"):
        got.append(batch[:, 0].tolist())
        time.sleep(_worker.STATUS_CHECK_INTERVAL * 1.3)
    assert got == [[0, 1, 2], [3, 4, 5]]


@pytest.mark.skipif(not os.path.isdir("/dev/shm"), reason="no /dev/shm")
def test_killed_main_process_leaves_no_shared_memory():
    script = textwrap.dedent("""
        import os, signal, time
        import numpy as np
        from ember.utils.data import DataLoader

        class Data:
            def __len__(self):
                return 100

            def __getitem__(self, i):
                return np.ones(4, np.float32) * i

        batches = iter(DataLoader(Data(), batch_size=2, num_workers=2))
        next(batches)
        time.sleep(0.5)  # let the workers fill the prefetch queue with shared files
        print(os.getpid(), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    env = dict(os.environ, PYTHONPATH=REPO)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=env, timeout=60)
    prefix = f"ember_{out.stdout.strip()}_"
    deadline = time.monotonic() + 4 * _worker.STATUS_CHECK_INTERVAL + 2
    while time.monotonic() < deadline:
        left = [n for n in os.listdir("/dev/shm") if n.startswith(prefix)]
        if not left:
            break
        time.sleep(0.1)
    assert out.stdout.strip() and not left
