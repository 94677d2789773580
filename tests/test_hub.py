"""ember.hub: the download cache, hash checks and loading (file:// URLs only, no network)."""
import hashlib
import os

import pytest

from parity import torch
import ember
import ember.hub


@pytest.fixture
def hub_env(tmp_path, monkeypatch):
    """A private hub folder: EMBER_HOME in tmp_path, no set_dir override."""
    for name in ("EMBER_HOME", "TORCH_HOME", "XDG_CACHE_HOME", "TORCH_HUB", "TORCH_MODEL_ZOO"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(ember.hub, "_hub_dir", None)
    monkeypatch.setenv("EMBER_HOME", str(tmp_path / "home"))
    return tmp_path


def _checkpoint(folder, save=ember.save, module=ember, name="weights"):
    """A saved state dict named name-<first 10 hex digits of its sha256>.pth, and its URL."""
    state = {"w": module.arange(6.0).reshape(2, 3), "b": module.tensor([1, 2])}
    plain = folder / "plain.pth"
    save(state, str(plain))
    digest = hashlib.sha256(plain.read_bytes()).hexdigest()
    path = folder / f"{name}-{digest[:10]}.pth"
    plain.rename(path)
    return path, path.as_uri(), digest


def _leftovers(folder):
    return [n for n in os.listdir(folder) if n.endswith(".partial")]


def test_get_dir_follows_set_dir_and_environment(hub_env, monkeypatch):
    assert ember.hub.get_dir() == str(hub_env / "home" / "hub")
    monkeypatch.delenv("EMBER_HOME")
    monkeypatch.setenv("TORCH_HOME", str(hub_env / "torch"))
    assert ember.hub.get_dir() == str(hub_env / "torch" / "hub")
    monkeypatch.delenv("TORCH_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(hub_env / "xdg"))
    assert ember.hub.get_dir() == str(hub_env / "xdg" / "ember" / "hub")
    ember.hub.set_dir(hub_env / "chosen")
    assert ember.hub.get_dir() == str(hub_env / "chosen")
    monkeypatch.setenv("TORCH_HUB", "x")
    with pytest.warns(UserWarning, match="TORCH_HUB is deprecated"):
        ember.hub.get_dir()


def test_load_state_dict_from_url_downloads_once_and_checks_hash(hub_env, capsys):
    path, url, _ = _checkpoint(hub_env)
    state = ember.hub.load_state_dict_from_url(url, progress=False, check_hash=True)
    assert state["w"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert state["b"].dtype is ember.int64
    cached = hub_env / "home" / "hub" / "checkpoints" / path.name
    assert cached.read_bytes() == path.read_bytes()
    assert "Downloading" in capsys.readouterr().out
    path.unlink()   # a second load reads the cache, not the URL
    again = ember.hub.load_state_dict_from_url(url, progress=False)
    assert ember.equal(again["w"], state["w"])
    assert "Downloading" not in capsys.readouterr().out


def test_bad_hash_raises_and_leaves_nothing(hub_env):
    path, _, digest = _checkpoint(hub_env)
    wrong = hub_env / f"weights-{'0' * 8}.pth"
    path.rename(wrong)
    model_dir = hub_env / "models"
    with pytest.raises(RuntimeError, match=f'invalid hash value \\(expected "00000000", got '
                                           f'"{digest}"\\)'):
        ember.hub.load_state_dict_from_url(wrong.as_uri(), model_dir=str(model_dir),
                                           progress=False, check_hash=True)
    assert os.listdir(model_dir) == []
    # Without check_hash the name's digits are not checked.
    ember.hub.load_state_dict_from_url(wrong.as_uri(), model_dir=str(model_dir),
                                       progress=False)


def test_download_url_to_file_with_prefix_and_progress(hub_env, capfd):
    path, url, digest = _checkpoint(hub_env)
    dst = hub_env / "copy.bin"
    ember.hub.download_url_to_file(url, str(dst), hash_prefix=digest[:16], progress=True)
    assert dst.read_bytes() == path.read_bytes()
    assert capfd.readouterr().err   # a progress bar was drawn on stderr
    with pytest.raises(RuntimeError, match="invalid hash value"):
        ember.hub.download_url_to_file(url, str(hub_env / "other.bin"), hash_prefix="ff" * 4,
                                       progress=False)
    assert not (hub_env / "other.bin").exists() and _leftovers(hub_env) == []


def test_file_name_and_map_location(hub_env):
    _, url, _ = _checkpoint(hub_env)
    state = ember.hub.load_state_dict_from_url(url, model_dir=str(hub_env / "m"),
                                               file_name="renamed.pth", progress=False,
                                               map_location="cpu", weights_only=True)
    assert os.listdir(hub_env / "m") == ["renamed.pth"]
    assert state["w"].device.type == "cpu"


def test_checkpoints_cross_between_torch_and_ember(hub_env):
    torch_dir = hub_env / "from_torch"
    torch_dir.mkdir()
    _, url, _ = _checkpoint(torch_dir, save=torch.save, module=torch, name="t")
    ember_state = ember.hub.load_state_dict_from_url(url, model_dir=str(hub_env / "e"),
                                                     progress=False, check_hash=True)
    _, url, _ = _checkpoint(hub_env, name="e")
    torch_state = torch.hub.load_state_dict_from_url(url, model_dir=str(hub_env / "t"),
                                                     progress=False, check_hash=True)
    for key in ("w", "b"):
        assert ember_state[key].tolist() == torch_state[key].tolist()


def test_signature_defaults_match_torch():
    import inspect
    for name in ("load_state_dict_from_url", "download_url_to_file"):
        ours = inspect.signature(getattr(ember.hub, name)).parameters
        theirs = inspect.signature(getattr(torch.hub, name)).parameters
        assert [(p.name, p.default) for p in ours.values()] == \
            [(p.name, p.default) for p in theirs.values()]


def test_repository_loading_is_reported_missing():
    with pytest.raises(NotImplementedError, match="torch.hub.load"):
        ember.hub.load("owner/repo", "model")
