"""ember.utils.data: datasets, samplers, collation and DataLoader (with real workers)."""
import collections
import os
import signal
import time

import numpy as np
import pytest

import ember
from ember.utils.data import (BatchSampler, ChainDataset, ConcatDataset, DataLoader, Dataset,
                              DistributedSampler, IterableDataset, RandomSampler,
                              SequentialSampler, StackDataset, Subset, SubsetRandomSampler,
                              TensorDataset, WeightedRandomSampler, default_collate,
                              default_convert, get_worker_info, random_split)


class Squares(Dataset):
    def __init__(self, n=10):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return ember.tensor([float(i)]) ** 2, i


class Raising(Squares):
    def __getitem__(self, i):
        if i == 5:
            raise ValueError("bad sample 5")
        return super().__getitem__(i)


class Suicidal(Squares):
    def __getitem__(self, i):
        if i == 3 and get_worker_info() is not None:
            os.kill(os.getpid(), signal.SIGKILL)
        return super().__getitem__(i)


class Slow(Squares):
    def __getitem__(self, i):
        time.sleep(5)
        return super().__getitem__(i)


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))


def _values(loader):
    return [b[1].tolist() for b in loader]


def test_single_and_multi_process_agree():
    ds = Squares(10)
    expected = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert _values(DataLoader(ds, batch_size=4)) == expected
    assert _values(DataLoader(ds, batch_size=4, num_workers=2)) == expected
    batches = list(DataLoader(ds, batch_size=4, num_workers=2))
    np.testing.assert_array_equal(batches[0][0].numpy()[:, 0], [0, 1, 4, 9])
    assert len(DataLoader(ds, batch_size=4)) == 3
    assert len(DataLoader(ds, batch_size=4, drop_last=True)) == 2


def test_worker_tensors_arrive_through_shared_memory():
    loader = DataLoader(Squares(8), batch_size=4, num_workers=1)
    batch = next(iter(loader))
    assert isinstance(batch[0]._data.base, (np.ndarray, memoryview)) or \
        type(batch[0]._data.base).__name__ == "mmap"


def test_worker_exception_is_reraised_with_traceback():
    loader = DataLoader(Raising(10), batch_size=2, num_workers=2)
    with pytest.raises(ValueError, match="(?s)Caught ValueError in DataLoader worker process "
                                         ".*bad sample 5"):
        list(loader)


def test_killed_worker_raises_not_hangs():
    loader = DataLoader(Suicidal(10), batch_size=1, num_workers=2)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="DataLoader worker .* killed by signal"):
        list(loader)
    assert time.monotonic() - start < 10


def test_timeout():
    loader = DataLoader(Slow(4), batch_size=1, num_workers=1, timeout=0.5)
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.5 seconds"):
        next(iter(loader))


def test_early_break_leaves_no_processes():
    loader = DataLoader(Squares(100), batch_size=2, num_workers=2)
    iterator = iter(loader)
    next(iterator)
    workers = list(iterator._workers)
    del iterator
    for w in workers:
        w.join(timeout=5)
        assert not w.is_alive()


def test_iterable_dataset_sharding_and_order():
    got = sorted(x for b in DataLoader(Stream(10), batch_size=3, num_workers=2)
                 for x in b.tolist())
    assert got == list(range(10))
    assert [b.tolist() for b in DataLoader(Stream(5), batch_size=2)] == [[0, 1], [2, 3], [4]]


def test_shuffle_is_deterministic_under_seed():
    def order(workers):
        ember.manual_seed(7)
        return [x for b in DataLoader(Squares(20), batch_size=5, shuffle=True,
                                      num_workers=workers) for x in b[1].tolist()]
    first = order(0)
    assert sorted(first) == list(range(20)) and first != list(range(20))
    assert first == order(0) == order(2)
    g = ember.Generator()
    g.manual_seed(3)
    a = [b[1].tolist() for b in DataLoader(Squares(20), batch_size=5, shuffle=True,
                                           generator=g)]
    g.manual_seed(3)
    b = [b[1].tolist() for b in DataLoader(Squares(20), batch_size=5, shuffle=True,
                                           generator=g)]
    assert a == b


def test_worker_info_and_init_fn():
    class Who(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            info = get_worker_info()
            return info.id, info.num_workers

    seen = {tuple(x) for b in DataLoader(Who(), batch_size=1, num_workers=2)
            for x in zip(*[t.tolist() for t in b])}
    assert seen == {(0, 2), (1, 2)}
    assert get_worker_info() is None

    def bad_init(worker_id):
        raise KeyError("init failed")

    with pytest.raises(KeyError, match="init failed"):
        list(DataLoader(Squares(4), num_workers=1, worker_init_fn=bad_init))


def test_persistent_workers_and_spawn():
    loader = DataLoader(Squares(6), batch_size=2, num_workers=2, persistent_workers=True)
    assert _values(loader) == _values(loader) == [[0, 1], [2, 3], [4, 5]]
    spawned = DataLoader(Squares(4), batch_size=2, num_workers=1,
                         multiprocessing_context="spawn")
    assert _values(spawned) == [[0, 1], [2, 3]]


def test_in_order_false_yields_everything():
    got = sorted(x for b in DataLoader(Squares(12), batch_size=2, num_workers=2,
                                       in_order=False) for x in b[1].tolist())
    assert got == list(range(12))


def test_argument_errors():
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(Squares(), sampler=SequentialSampler(range(3)), shuffle=True)
    with pytest.raises(ValueError, match="persistent_workers option needs num_workers > 0"):
        DataLoader(Squares(), persistent_workers=True)
    with pytest.raises(ValueError, match="expected unspecified shuffle"):
        DataLoader(Stream(3), shuffle=True)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(Squares(), num_workers=-1)


def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    assert list(BatchSampler(range(5), 2, False)) == [[0, 1], [2, 3], [4]]
    assert list(BatchSampler(range(5), 2, True)) == [[0, 1], [2, 3]]
    ember.manual_seed(0)
    assert sorted(RandomSampler(range(10))) == list(range(10))
    draws = list(RandomSampler(range(3), replacement=True, num_samples=100))
    assert len(draws) == 100 and set(draws) <= {0, 1, 2}
    huge = RandomSampler(range(3), replacement=True, num_samples=10 ** 10)
    assert len(huge) == 10 ** 10 and next(iter(huge)) in (0, 1, 2)
    assert sorted(SubsetRandomSampler([5, 7, 9])) == [5, 7, 9]
    weighted = list(WeightedRandomSampler([0.0, 1.0, 0.0], 20))
    assert weighted == [1] * 20
    shards = [list(DistributedSampler(range(10), num_replicas=3, rank=r, shuffle=False))
              for r in range(3)]
    assert shards == [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]
    s = DistributedSampler(range(10), num_replicas=2, rank=0, seed=1)
    s.set_epoch(1)
    first = list(s)
    s.set_epoch(2)
    assert len(first) == 5 and first != list(s)


def test_datasets():
    t = TensorDataset(ember.arange(4), ember.arange(4) * 2)
    assert [int(v) for v in t[2]] == [2, 4] and len(t) == 4
    c = ConcatDataset([range(3), range(10, 12)])
    assert [c[i] for i in range(len(c))] == [0, 1, 2, 10, 11] and c[-1] == 11
    assert list(ChainDataset([Stream(2), Stream(3)])) == [0, 1, 0, 1, 2]
    assert Subset(range(10), [3, 5])[1] == 5
    assert StackDataset(range(3), range(3))[1] == (1, 1)
    assert StackDataset(a=range(2), b=range(2))[1] == {"a": 1, "b": 1}
    parts = random_split(range(10), [0.5, 0.3, 0.2], generator=ember.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [5, 3, 2]
    assert sorted(i for p in parts for i in p) == list(range(10))
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(range(10), [3, 3])


torch = pytest.importorskip("torch")


def _same(e, t):
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor) and e.dtype.name == str(t.dtype).split(".")[1]
        np.testing.assert_array_equal(e.numpy(), t.numpy())
    elif isinstance(t, dict):
        assert type(e) is type(t) and e.keys() == t.keys()
        for k in t:
            _same(e[k], t[k])
    elif isinstance(t, (list, tuple)):
        assert type(e) is type(t) and len(e) == len(t)
        for a, b in zip(e, t):
            _same(a, b)
    else:
        assert e == t


Point = collections.namedtuple("Point", "x y")


@pytest.mark.parametrize("make", [
    lambda m: [m.tensor([1.0, 2.0]), m.tensor([3.0, 4.0])],
    lambda m: [1, 2, 3], lambda m: [1.5, 2.5], lambda m: [True, False],
    lambda m: ["a", "b"], lambda m: [np.ones(2, dtype=np.float32), np.zeros(2, np.float32)],
    lambda m: [np.int32(1), np.int32(2)],
    lambda m: [{"a": 1, "b": m.ones(2)}, {"a": 2, "b": m.zeros(2)}],
    lambda m: [(1, "x", 2.0), (3, "y", 4.0)], lambda m: [[1, 2], [3, 4]],
    lambda m: [Point(1, m.ones(1)), Point(2, m.zeros(1))],
    lambda m: [{"nested": [m.ones(1), (2, 3)]}, {"nested": [m.zeros(1), (4, 5)]}],
])
def test_default_collate_matches_torch(make):
    from torch.utils.data import default_collate as torch_collate
    _same(default_collate(make(ember)), torch_collate(make(torch)))


def test_default_collate_errors_and_convert():
    from torch.utils.data import default_convert as torch_convert
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([ember.ones(2), ember.ones(3)])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object(), object()])
    sample = {"a": np.arange(3), "b": [np.float64(2.0), "s"]}
    _same(default_convert(sample), torch_convert(sample))
