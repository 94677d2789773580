"""ember.multiprocessing: shared-memory tensors, queues that pass handles, spawn.

No torch import here: spawned children import this module, and should start fast.
"""
import sys
import warnings
from multiprocessing.reduction import ForkingPickler

import pytest

import ember
import ember.multiprocessing as mp

TIMEOUT = 30


# ---------------------------------------------------------------- in one process

@pytest.mark.parametrize("make", [
    lambda: ember.arange(6.0).reshape(2, 3),
    lambda: ember.tensor(3.5),
    lambda: ember.zeros(0, 4),
    lambda: ember.tensor([True, False]),
    lambda: ember.arange(5, dtype=ember.int64),
    lambda: ember.randn(3).bfloat16(),
    lambda: ember.randn(4, 5).t()[1:],
])
def test_share_memory_in_place(make):
    t = make()
    before = t.clone()
    assert not mp.is_shared(t)
    assert mp.share_memory_(t) is t
    assert mp.is_shared(t) and ember.equal(t, before) and t.dtype is before.dtype
    assert mp.share_memory_(t) is t     # sharing twice is a no-op


def test_shared_tensor_keeps_autograd_flags():
    p = ember.nn.Parameter(ember.ones(3))
    mp.share_memory_(p)
    assert mp.is_shared(p) and p.requires_grad and p.is_leaf
    (p * 2).sum().backward()
    assert p.grad.tolist() == [2.0, 2.0, 2.0]


def test_pickled_tensor_is_a_handle_to_the_same_memory():
    t = ember.arange(1000.0)
    payload = ForkingPickler.dumps(t)
    assert len(payload) < 1000      # far less than the 4000 bytes of data
    u = ForkingPickler.loads(payload)
    u[0] = 42.0
    assert t[0].item() == 42.0 and mp.is_shared(u)
    view = t[10::7][2:]
    v = ForkingPickler.loads(ForkingPickler.dumps(view))
    assert v.tolist() == view.tolist() and v.stride() == view.stride()
    v[0] = -1.0
    assert t[24].item() == -1.0


def test_parameters_stay_parameters():
    p = ember.nn.Parameter(ember.ones(2))
    q = ForkingPickler.loads(ForkingPickler.dumps(p))
    assert isinstance(q, ember.nn.Parameter) and q.requires_grad


def test_non_leaf_requiring_grad_is_refused():
    x = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="Cowardly refusing to serialize non-leaf tensor"):
        ForkingPickler.dumps(x * 2)
    ForkingPickler.dumps((x * 2).detach())


def test_namespace_reexports_multiprocessing():
    import multiprocessing
    for name in ("Process", "Queue", "Pool", "get_context", "cpu_count", "Event"):
        assert getattr(mp, name) is getattr(multiprocessing, name)
    assert mp.get_sharing_strategy() == "file_descriptor"
    assert mp.get_all_sharing_strategies() == {"file_descriptor"}
    with pytest.raises(AssertionError):
        mp.set_sharing_strategy("file_system")


# ---------------------------------------------------------------- across processes

def _increment(queue, ack):
    t = queue.get(timeout=TIMEOUT)
    t.add_(1)
    ack.put(mp.is_shared(t))


def test_queue_shares_memory_with_a_child():
    ctx = mp.get_context("fork")
    queue, ack = ctx.Queue(), ctx.Queue()
    child = ctx.Process(target=_increment, args=(queue, ack))
    child.start()
    t = ember.zeros(3)
    queue.put(t)
    assert ack.get(timeout=TIMEOUT) is True
    child.join(TIMEOUT)
    assert t.tolist() == [1.0, 1.0, 1.0]    # the child's write: memory shared, not copied


def _produce(queue, release):
    queue.put(ember.arange(4.0) * 2)
    release.wait(TIMEOUT)   # the owner of the memory stays alive until it is received


def test_child_sends_a_tensor_to_the_parent():
    ctx = mp.get_context("fork")
    queue, release = ctx.Queue(), ctx.Event()
    child = ctx.Process(target=_produce, args=(queue, release))
    child.start()
    t = queue.get(timeout=TIMEOUT)
    release.set()
    child.join(TIMEOUT)
    assert t.tolist() == [0.0, 2.0, 4.0, 6.0] and mp.is_shared(t)


def _fill(index, out):
    out[index] = index + 1


def test_spawn_gives_each_process_the_shared_arguments():
    out = ember.zeros(2)
    assert mp.spawn(_fill, args=(out,), nprocs=2) is None
    assert out.tolist() == [1.0, 2.0]


def _fail(index):
    if index == 1:
        raise ValueError("bad input in process one")


def test_spawn_propagates_a_child_exception():
    with pytest.raises(mp.ProcessRaisedException, match="bad input in process one") as info:
        mp.start_processes(_fail, nprocs=2, start_method="fork")
    assert info.value.error_index == 1
    assert "-- Process 1 terminated with the following error:" in str(info.value)
    assert "Traceback" in str(info.value)


def _exit_three(index):
    sys.exit(3)


def test_exit_codes_and_contexts():
    with pytest.raises(mp.ProcessExitedException, match="process 0 terminated with exit code 3"):
        mp.start_processes(_exit_three, nprocs=1, start_method="fork")
    context = mp.start_processes(_fill, args=(ember.zeros(1),), nprocs=1, join=False,
                                 start_method="fork")
    assert isinstance(context, mp.ProcessContext) and len(context.pids()) == 1
    while not context.join(timeout=TIMEOUT):
        pass


def test_spawn_warns_about_other_start_methods():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mp.spawn(_fill, args=(ember.zeros(1),), nprocs=1, start_method="fork")
    assert any(issubclass(w.category, FutureWarning) and "only supports start_method=spawn"
               in str(w.message) for w in caught)
