"""safetensors for ember: the API of the ``safetensors`` package, for ember tensors.

    from ember.utils.safetensors.torch import save_file, load_file
    save_file(model.state_dict(), "model.safetensors", metadata={"format": "pt"})

``ember.utils.safetensors.torch`` is ``safetensors.torch`` (ember tensors),
``ember.utils.safetensors.numpy`` is ``safetensors.numpy``, and ``safe_open`` reads a
file lazily. No dependency: the format is implemented in ``_format``. Under
``python -m ember.run`` the ``safetensors`` package itself resolves here, so scripts'
``from safetensors.torch import load_file`` give ember tensors.
"""
from ._format import SafetensorError, safe_open

__all__ = ["SafetensorError", "safe_open"]
