"""ember tunes glibc malloc at import (ember/_malloc.py), unless told not to."""
import os
import subprocess
import sys

import pytest

import ember._malloc as malloc

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _applied_in_child(env_value):
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop("EMBER_MALLOC_TUNING", None)
    if env_value is not None:
        env["EMBER_MALLOC_TUNING"] = env_value
    out = subprocess.run([sys.executable, "-c",
                          "import ember, ember._malloc as m; print(m.applied)"],
                         env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_applied_at_import_and_opt_out():
    import ctypes.util
    if "musl" in (ctypes.util.find_library("c") or ""):
        pytest.skip("not glibc")
    assert _applied_in_child(None) == "True"
    assert _applied_in_child("0") == "False"


def test_tune_is_idempotent():
    first = malloc.tune()
    assert malloc.tune() == first
