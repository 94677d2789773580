"""nn.Module's API against torch's: registries, iteration, state_dict, hooks, repr,
conversions, pickling, and the containers.

Model classes are written once against a library ``m`` (ember or torch) and built in
both, so names, keys, orders and messages can be compared directly.
"""
import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

from parity import assert_same, torch
import ember
import ember.nn as nn


def make_net(m):
    """A nested model with a shared layer, a buffer, a non-persistent buffer and a
    None parameter, built from library m."""
    class Block(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = m.nn.Linear(4, 4)
            self.act = m.nn.GELU(approximate="tanh")
            self.register_buffer("running", m.zeros(4))
            self.register_buffer("scratch", m.ones(2), persistent=False)

        def forward(self, x):
            return self.act(self.fc(x)) + self.running

    class Net(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = m.nn.Linear(3, 4, bias=False)
            self.blocks = m.nn.ModuleList([Block(), Block()])
            self.shared = self.blocks[0].fc
            self.head = m.nn.Sequential(OrderedDict(drop=m.nn.Dropout(0.1),
                                                    out=m.nn.Linear(4, 2)))
            self.scale = m.nn.Parameter(m.ones(()))
            self.register_parameter("unused", None)

        def forward(self, x):
            x = self.embed(x)
            for block in self.blocks:
                x = block(x)
            return self.head(x) * self.scale

    return Net()


def nets():
    t_net, e_net = make_net(torch).double(), make_net(ember).double()
    e_net.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t_net.state_dict().items()})
    return t_net, e_net


def names(pairs):
    return [name for name, _ in pairs]


# ---------------------------------------------------------------- registries, iteration

def test_iteration_names_match_torch():
    t_net, e_net = nets()
    assert names(e_net.named_parameters()) == names(t_net.named_parameters())
    assert names(e_net.named_parameters(remove_duplicate=False)) == \
        names(t_net.named_parameters(remove_duplicate=False))
    assert names(e_net.named_parameters(prefix="model", recurse=False)) == \
        names(t_net.named_parameters(prefix="model", recurse=False))
    assert names(e_net.named_buffers()) == names(t_net.named_buffers())
    assert names(e_net.named_modules()) == names(t_net.named_modules())
    assert names(e_net.named_modules(remove_duplicate=False, prefix="m")) == \
        names(t_net.named_modules(remove_duplicate=False, prefix="m"))
    assert names(e_net.named_children()) == names(t_net.named_children())
    assert len(list(e_net.parameters())) == len(list(t_net.parameters()))
    assert [type(c).__name__ for c in e_net.children()] == \
        [type(c).__name__ for c in t_net.children()]
    assert len(list(e_net.modules())) == len(list(t_net.modules()))


def test_setattr_routes_into_registries():
    for m in (torch, ember):
        mod = m.nn.Module()
        mod.w = m.nn.Parameter(m.ones(2))
        mod.sub = m.nn.Linear(2, 2)
        mod.register_buffer("b", m.zeros(2))
        mod.plain = m.zeros(3)
        assert list(mod._parameters) == ["w"] and list(mod._modules) == ["sub"]
        assert list(mod._buffers) == ["b"] and "plain" in mod.__dict__
        mod.b = m.ones(2)  # an existing buffer name stays a buffer
        assert mod._buffers["b"].sum().item() == 2
        mod.w = None
        assert mod._parameters["w"] is None and mod.w is None
        mod.sub = m.nn.Parameter(m.ones(1))  # moves from _modules to _parameters
        assert "sub" not in mod._modules and "sub" in mod._parameters
        del mod.sub, mod.b, mod.plain
        assert "sub" not in mod._parameters and "b" not in mod._buffers
        mod.nb = m.nn.Buffer(m.ones(2), persistent=False)
        assert "nb" in mod._buffers and list(mod.state_dict()) == []


@pytest.mark.parametrize("action,exc,match", [
    (lambda m, mod: setattr(mod, "w", m.ones(2)), TypeError, "cannot assign 'torch.FloatTensor' "
     r"as parameter 'w' \(torch.nn.Parameter or None expected\)"),
    (lambda m, mod: setattr(mod, "sub", 3), TypeError, "cannot assign 'int' as child module"),
    (lambda m, mod: mod.register_buffer("a.b", m.ones(1)), KeyError, "contain"),
    (lambda m, mod: mod.register_buffer("", m.ones(1)), KeyError, "empty string"),
    (lambda m, mod: mod.register_buffer("w", m.ones(1)), KeyError, "attribute 'w' already exists"),
    (lambda m, mod: mod.register_buffer("x", 3), TypeError, "cannot assign 'int' object to buffer"),
    (lambda m, mod: mod.register_parameter("x", m.ones(1)), TypeError,
     "cannot assign 'torch.FloatTensor' object to parameter 'x'"),
    (lambda m, mod: mod.register_parameter("x", m.nn.Parameter(m.ones(1)) * 2), TypeError,
     "cannot assign"),
    (lambda m, mod: mod.add_module("x", 3), TypeError, "int is not a Module subclass"),
    (lambda m, mod: mod.add_module("a.b", m.nn.ReLU()), KeyError, "contain"),
    (lambda m, mod: mod.missing, AttributeError, "'Module' object has no attribute 'missing'"),
    (lambda m, mod: mod.get_submodule("sub.nope"), AttributeError,
     "Linear has no attribute `nope`"),
    (lambda m, mod: mod.get_submodule("w"), AttributeError, "`w` is not an nn.Module"),
    (lambda m, mod: mod.get_parameter("sub.nope"), AttributeError, "has no attribute `nope`"),
    (lambda m, mod: mod.get_buffer("sub.weight"), AttributeError, "`weight` is not a buffer"),
    (lambda m, mod: mod.train("yes"), ValueError, "training mode is expected to be boolean"),
    (lambda m, mod: mod.to(m.int64), TypeError, "only accepts floating point"),
    (lambda m, mod: mod(1), NotImplementedError, "missing the required \"forward\" function"),
])
def test_registry_errors(action, exc, match):
    for m in (torch, ember):
        mod = m.nn.Module()
        mod.w = m.nn.Parameter(m.ones(2))
        mod.sub = m.nn.Linear(2, 2)
        with pytest.raises(exc, match=match):
            action(m, mod)


def test_lookup_helpers():
    t_net, e_net = nets()
    assert e_net.get_submodule("blocks.1.fc") is e_net.blocks[1].fc
    assert e_net.get_submodule("") is e_net
    assert e_net.get_parameter("head.out.bias") is e_net.head.out.bias
    assert e_net.get_buffer("blocks.0.running") is e_net.blocks[0].running
    e_net.set_submodule("head.drop", nn.Identity())
    assert isinstance(e_net.head.drop, nn.Identity)
    assert "blocks" in dir(e_net) and "scale" in dir(e_net)


# ---------------------------------------------------------------- state_dict

def test_state_dict_keys_and_metadata_match_torch():
    t_net, e_net = nets()
    t_state, e_state = t_net.state_dict(), e_net.state_dict()
    assert isinstance(e_state, OrderedDict)
    assert list(e_state) == list(t_state)
    assert list(e_state._metadata) == list(t_state._metadata)
    assert e_state._metadata["blocks.0"] == t_state._metadata["blocks.0"] == {"version": 1}
    for key in t_state:
        assert_same(e_state[key], t_state[key])
        assert not isinstance(e_state[key], nn.Parameter)
    kept = e_net.state_dict(keep_vars=True)
    assert kept["scale"] is e_net.scale
    assert list(e_net.state_dict(prefix="model.")) == list(t_net.state_dict(prefix="model."))


def test_state_dict_detached_values_share_memory():
    layer = nn.Linear(2, 2)
    state = layer.state_dict()
    with ember.no_grad():
        layer.weight.mul_(0)
    assert state["weight"].abs().sum().item() == 0 and not state["weight"].requires_grad


def _load_error(m, net, state):
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(state)
    return str(info.value)


def test_load_state_dict_errors_match_torch():
    t_net, e_net = nets()
    t_state = t_net.state_dict()
    e_state = e_net.state_dict()
    for mutate in [lambda s: s.pop("head.out.bias"),
                   lambda s: s.__setitem__("blocks.0.extra", s["scale"]),
                   lambda s: s.__setitem__("nothere.weight", s["scale"]),
                   lambda s: (s.pop("scale"), s.__setitem__("scalex", s["blocks.0.running"]))]:
        t_copy, e_copy = OrderedDict(t_state), OrderedDict(e_state)
        mutate(t_copy)
        mutate(e_copy)
        assert _load_error(ember, e_net, e_copy) == _load_error(torch, t_net, t_copy)
        t_keys = t_net.load_state_dict(t_copy, strict=False)
        e_keys = e_net.load_state_dict(e_copy, strict=False)
        assert e_keys.missing_keys == t_keys.missing_keys
        assert e_keys.unexpected_keys == t_keys.unexpected_keys
        assert repr(e_keys) == repr(t_keys)
    assert repr(e_net.load_state_dict(e_state)) == "<All keys matched successfully>"


def test_load_state_dict_size_mismatch_message():
    messages = []
    for m in (torch, ember):
        layer = m.nn.Linear(3, 2)
        state = {"weight": m.zeros(2, 4), "bias": m.zeros(2)}
        with pytest.raises(RuntimeError) as info:
            layer.load_state_dict(state)
        messages.append(str(info.value).replace("torch.Size", "ember.Size"))
    assert messages[0] == messages[1]
    assert "size mismatch for weight: copying a param with shape" in messages[1]


def test_load_state_dict_copies_in_place_or_assigns():
    layer = nn.Linear(3, 2)
    weight = layer.weight
    new = {"weight": ember.ones(2, 3), "bias": ember.zeros(2)}
    layer.load_state_dict(new)
    assert layer.weight is weight and weight.sum().item() == 6
    assert layer.weight.requires_grad
    layer.load_state_dict(new, assign=True)
    assert layer.weight is not weight and isinstance(layer.weight, nn.Parameter)
    assert layer.weight.requires_grad and layer.weight.data_ptr() == new["weight"].data_ptr()
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        layer.load_state_dict([1, 2])


def test_state_dict_hooks_and_extra_state():
    class WithExtra(nn.Module):
        def __init__(self):
            super().__init__()
            self.value = 0

        def get_extra_state(self):
            return {"value": self.value}

        def set_extra_state(self, state):
            self.value = state["value"]

    outer = nn.Sequential(WithExtra())
    outer[0].value = 7
    calls = []
    outer.register_state_dict_pre_hook(lambda mod, prefix, keep: calls.append(("pre", prefix)))
    outer.register_state_dict_post_hook(lambda mod, sd, prefix, meta: calls.append("post"))
    outer.register_load_state_dict_post_hook(lambda mod, keys: calls.append(keys))
    state = outer.state_dict()
    assert list(state) == ["0._extra_state"] and calls == [("pre", ""), "post"]
    fresh = nn.Sequential(WithExtra())
    fresh.load_state_dict(state)
    assert fresh[0].value == 7
    outer.load_state_dict(state)
    assert calls[-1].missing_keys == [] and calls[-1].unexpected_keys == []


# ---------------------------------------------------------------- forward, hooks

def test_forward_matches_torch_and_backward():
    t_net, e_net = nets()
    t_net.eval(), e_net.eval()
    x = np.random.default_rng(0).standard_normal((5, 3))
    t_out, e_out = t_net(torch.tensor(x)), e_net(ember.tensor(x))
    assert_same(e_out, t_out, rtol=1e-10)
    t_out.sum().backward()
    e_out.sum().backward()
    for (name, p), (_, q) in zip(e_net.named_parameters(), t_net.named_parameters()):
        assert_same(p.grad, q.grad, rtol=1e-10), name


def _record_hooks(m, with_kwargs):
    layer = m.nn.Linear(2, 2)
    events = []

    def pre(mod, args, *rest):
        events.append(("pre", len(args)))
        if with_kwargs:
            return (args[0] * 2,), rest[0]
        return args[0] * 2

    def pre_first(mod, args):
        events.append("pre_first")

    def post(mod, args, *rest):
        events.append(("post", len(rest)))
        return rest[-1] + 1

    handles = [layer.register_forward_pre_hook(pre, with_kwargs=with_kwargs),
               layer.register_forward_pre_hook(pre_first, prepend=True),
               layer.register_forward_hook(post, with_kwargs=with_kwargs)]
    with m.no_grad():
        layer.weight.copy_(m.eye(2))
        layer.bias.zero_()
        out = layer(m.ones(1, 2))
    for handle in handles:
        handle.remove()
    events.append(layer(m.ones(1, 2)).sum().item())
    return out.tolist(), events


@pytest.mark.parametrize("with_kwargs", [False, True])
def test_forward_hooks_match_torch(with_kwargs):
    assert _record_hooks(ember, with_kwargs) == _record_hooks(torch, with_kwargs)


def test_always_call_hook_runs_on_error():
    for m in (torch, ember):
        class Boom(m.nn.Module):
            def forward(self, x):
                raise ValueError("boom")
        seen = []
        mod = Boom()
        mod.register_forward_hook(lambda mod, args, out: seen.append(out), always_call=True)
        mod.register_forward_hook(lambda mod, args, out: seen.append("never"))
        with pytest.raises(ValueError, match="boom"):
            mod(1)
        assert seen == [None]
        with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
            mod.register_forward_pre_hook(lambda mod, a, k: 5, with_kwargs=True)
            mod(1)


def test_hook_handle_context_manager():
    layer = nn.Linear(2, 2)
    with layer.register_forward_hook(lambda *a: ember.zeros(1)):
        assert layer(ember.ones(2)).shape == (1,)
    assert layer(ember.ones(2)).shape == (2,)
    assert not layer._forward_hooks


# ---------------------------------------------------------------- repr

def test_repr_matches_torch():
    def build(m):
        return m.nn.Sequential(
            m.nn.Linear(3, 4), m.nn.ReLU(inplace=True), m.nn.LeakyReLU(0.2),
            m.nn.ELU(alpha=0.5, inplace=True), m.nn.GELU(approximate="tanh"), m.nn.SiLU(),
            m.nn.Softplus(beta=2), m.nn.Hardtanh(-2.0, 2.0), m.nn.ReLU6(), m.nn.Threshold(0.1, 0),
            m.nn.Softmax(dim=1), m.nn.LogSoftmax(dim=-1), m.nn.Dropout(p=0.2),
            m.nn.Flatten(), m.nn.Unflatten(1, (2, 2)), m.nn.Identity(), m.nn.PReLU(3),
            m.nn.GLU(), m.nn.Hardshrink(), m.nn.Softshrink(0.3), m.nn.CELU(), m.nn.SELU(),
            m.nn.Bilinear(2, 3, 4, bias=False), m.nn.Tanh(), m.nn.Sigmoid(), m.nn.Mish(),
            m.nn.Hardswish(), m.nn.Hardsigmoid(), m.nn.Softsign(), m.nn.Tanhshrink(),
            m.nn.LogSigmoid(), m.nn.Softmin(0),
            m.nn.ModuleList([m.nn.Linear(2, 2) for _ in range(3)] + [m.nn.ReLU()]),
            m.nn.ModuleDict({"a": m.nn.Linear(1, 1), "b": m.nn.Sequential()}),
            m.nn.ParameterList([m.nn.Parameter(m.ones(2, 3)), m.ones(1)]),
            m.nn.ParameterDict({"x": m.nn.Parameter(m.ones(2))}),
            m.nn.CrossEntropyLoss(label_smoothing=0.1), m.nn.MSELoss())
    assert repr(build(ember)).replace("ember.", "torch.") == repr(build(torch))
    assert repr(nn.ModuleList()) == "ModuleList()"
    assert repr(nn.Parameter(ember.ones(1))).startswith("Parameter containing:\n")


# ---------------------------------------------------------------- modes, conversions

def test_train_eval_requires_grad_zero_grad_apply():
    _, net = nets()
    assert net.eval() is net and not any(mod.training for mod in net.modules())
    assert all(mod.training for mod in net.train().modules())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    net.requires_grad_()
    net(ember.ones(2, 3, dtype=ember.float64)).sum().backward()
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and p.grad.abs().sum().item() == 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    visited = []
    net.apply(lambda mod: visited.append(type(mod).__name__))
    assert visited[-1] == "Net" and visited[0] == "Linear"


def test_conversions_keep_parameter_objects():
    layer = nn.Linear(3, 2)
    layer.register_buffer("count", ember.zeros(1, dtype=ember.int64))
    weight = layer.weight
    layer(ember.ones(1, 3)).sum().backward()
    assert layer.double() is layer and layer.weight is weight
    assert weight.dtype is ember.float64 and weight.grad.dtype is ember.float64
    assert layer.count.dtype is ember.int64
    assert layer.to(ember.float32).weight.dtype is ember.float32
    assert layer.half().weight.dtype is ember.float16
    assert layer.to("cpu", dtype=ember.float64).bias.dtype is ember.float64
    assert layer.float().cpu().weight.dtype is ember.float32


class SharedNet(nn.Module):
    """Module-level (so picklable): a shared layer, a buffer, a non-persistent buffer."""

    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Linear(3, 3), nn.Tanh()])
        self.shared = self.blocks[0]
        self.scale = nn.Parameter(ember.full((), 2.0))
        self.register_buffer("offset", ember.ones(3))
        self.register_buffer("scratch", ember.zeros(1), persistent=False)

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.shared(x) * self.scale + self.offset


def test_pickle_and_deepcopy():
    net = SharedNet()
    x = ember.ones(2, 3)
    expected = net(x).detach().numpy()
    for clone in (pickle.loads(pickle.dumps(net)), copy.deepcopy(net)):
        np.testing.assert_allclose(clone(x).detach().numpy(), expected)
        assert isinstance(clone.scale, nn.Parameter) and clone.scale.requires_grad
        assert clone.shared is clone.blocks[0]  # sharing survives
        assert clone.scale.data_ptr() != net.scale.data_ptr()
        assert list(clone.state_dict()) == list(net.state_dict())
        assert "scratch" in clone._non_persistent_buffers_set
        clone(x).sum().backward()
        assert clone.scale.grad is not None and net.scale.grad is None


def test_parameter_semantics():
    base = ember.ones(3)
    p = nn.Parameter(base)
    assert p.requires_grad and p.is_leaf and type(p) is nn.Parameter
    assert p.data_ptr() == base.data_ptr()
    assert type(p * 2) is ember.Tensor
    assert not nn.Parameter(base, requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)
    q = copy.deepcopy(p)
    assert type(q) is nn.Parameter and q.data_ptr() != p.data_ptr()


# ---------------------------------------------------------------- containers

def test_sequential_operations_match_torch():
    def ops(m):
        seq = m.nn.Sequential(m.nn.Linear(1, 2), m.nn.ReLU(), m.nn.Linear(2, 3))
        out = [len(seq), type(seq[-1]).__name__, type(seq[1:]).__name__, len(seq[::2])]
        del seq[1]
        out.append(list(seq._modules))
        seq.append(m.nn.Tanh()).insert(0, m.nn.Sigmoid())
        seq.extend([m.nn.ReLU()])
        out.append([type(s).__name__ for s in seq])
        out.append(list((seq + seq)._modules))
        out.append(len(seq * 2))
        seq[0] = m.nn.Identity()
        out.append(type(seq.pop(0)).__name__)
        out.append(list(seq._modules))
        return out
    assert ops(ember) == ops(torch)


def test_module_list_dict_operations_match_torch():
    def ops(m):
        lst = m.nn.ModuleList([m.nn.ReLU(), m.nn.Tanh()])
        lst += [m.nn.Sigmoid()]
        lst.insert(1, m.nn.Identity())
        out = [[type(x).__name__ for x in lst], len(lst[1:]), type(lst[-1]).__name__]
        del lst[0]
        out.append(list(lst._modules))
        d = m.nn.ModuleDict([("b", m.nn.ReLU()), ("a", m.nn.Tanh())])
        d.update({"c": m.nn.Identity()})
        out += [list(d.keys()), "a" in d, type(d.pop("b")).__name__, len(d)]
        pl = m.nn.ParameterList([m.ones(2), m.nn.Parameter(m.zeros(3))])
        pl.append(m.ones(1))
        out += [[type(p).__name__ for p in pl], names(pl.named_parameters())]
        pd = m.nn.ParameterDict({"z": m.ones(1), "y": m.ones(2)})
        out += [list(pd.keys()), names(pd.named_parameters()), "y" in pd,
                type(pd["y"]).__name__, pd.popitem()[0], list((pd | pd).keys())]
        return out
    assert ops(ember) == ops(torch)
    with pytest.raises(RuntimeError, match="ParameterList should not be called"):
        nn.ParameterList()(1)
    with pytest.raises(IndexError, match="index 5 is out of range"):
        nn.Sequential(nn.ReLU())[5]
