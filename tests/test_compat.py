"""Running PyTorch scripts unchanged: python -m ember.run and ember.compat."""
import os
import subprocess
import sys
import textwrap

import pytest

import ember


def _run(tmp_path, source, *args):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source))
    root = os.path.dirname(os.path.dirname(os.path.abspath(ember.__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "ember.run", str(script), *args],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120, env=env)


def test_script_runs_with_ember_as_torch(tmp_path):
    (tmp_path / "data.txt").write_text("3")
    result = _run(tmp_path, """
        import sys
        import torch
        import torch.nn.functional
        from torch import autograd
        assert torch.__name__ == "ember", torch.__name__
        assert __name__ == "__main__" and sys.argv[1:] == ["--flag", "7"], sys.argv
        scale = float(open("data.txt").read())
        x = torch.ones(2, requires_grad=True)
        (x * scale).sum().backward()
        print("grad", x.grad.tolist())
        assert autograd.grad is torch.autograd.grad
        assert not hasattr(torch, "definitely_not_an_api")
    """, "--flag", "7")
    assert result.returncode == 0, result.stderr
    assert "grad [3.0, 3.0]" in result.stdout


def test_missing_api_fails_at_point_of_use(tmp_path):
    result = _run(tmp_path, """
        import torch
        import torch.fx
        torch.fx.symbolic_trace(None)
    """)
    assert result.returncode != 0
    assert "NotImplementedError" in result.stderr or "NotImplementedInEmber" in result.stderr
    assert "ember does not implement torch.fx.symbolic_trace yet" in result.stderr


def test_script_exceptions_propagate(tmp_path):
    result = _run(tmp_path, "raise ValueError('from the script')\n")
    assert result.returncode == 1 and "ValueError: from the script" in result.stderr


def test_missing_names_raise_not_implemented():
    with pytest.raises(NotImplementedError, match="ember does not implement torch.xyz yet"):
        ember.xyz
    # A torch.Tensor method ember lacks names itself; any other name is torch's plain
    # AttributeError.
    with pytest.raises(NotImplementedError, match="ember does not implement "
                                                  "torch.Tensor.lcm yet"):
        ember.ones(1).lcm(ember.ones(1))
    assert getattr(ember.ones(1), "lcm", None) is None and not hasattr(ember.Tensor, "lcm")
    with pytest.raises(AttributeError, match="'Tensor' object has no attribute 'no_such_m"):
        ember.ones(1).no_such_method()
    assert getattr(ember.ones(1), "no_such_method", None) is None
