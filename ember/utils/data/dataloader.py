"""DataLoader: batches from a dataset, in the main process or in worker processes."""
import itertools
import multiprocessing
import os
import queue
import signal
import time

from . import _shared, _worker
from ._collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler

# How long the main process waits on the result queue before checking its workers.
_POLL_INTERVAL = 0.2
_loader_ids = itertools.count()


class _InfiniteConstant:
    """The 'sampler' of an iterable dataset: every task just asks for the next batch."""

    def __init__(self, value):
        self.value = value

    def __iter__(self):
        return itertools.repeat(self.value)


class DataLoader:
    """Combines a dataset and a sampler, and iterates over batches (see torch's docs)."""

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False,
                 timeout=0, worker_init_fn=None, multiprocessing_context=None, generator=None,
                 *, prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 "
                             "to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in "
                             "multiprocessing.let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self.generator = generator
        self._is_iterable = isinstance(dataset, IterableDataset)

        if self._is_iterable:
            if shuffle not in (None, False):
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")

        if sampler is None:
            if self._is_iterable:
                sampler = _InfiniteConstant(None)
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = (_InfiniteConstant(batch_size) if self._is_iterable
                             else BatchSampler(sampler, batch_size, drop_last))
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self._iterator = None

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self):
        if self._is_iterable:
            length = len(self.dataset)
            if self.batch_size is not None:
                import math
                length = length // self.batch_size if self.drop_last else \
                    math.ceil(length / self.batch_size)
            return length
        return len(self._index_sampler)

    def __iter__(self):
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        if self.persistent_workers:
            if self._iterator is None:
                self._iterator = _MultiProcessIter(self)
            else:
                self._iterator._reset()
            return self._iterator
        return _MultiProcessIter(self)

    def _shared_seed(self):
        from ... import empty, int64
        return int(empty((), dtype=int64).random_(generator=self.generator).item())


class _SingleProcessIter:
    def __init__(self, loader):
        # NOTE: torch draws the workers' base seed even without workers, so the global
        # random stream (and a shuffled order) is the same for any num_workers.
        loader._shared_seed()
        self._fetcher = _worker.make_fetcher(loader._is_iterable, loader.dataset,
                                             loader._auto_collation, loader.collate_fn,
                                             loader.drop_last)
        self._indices = iter(loader._index_sampler)
        self._is_iterable = loader._is_iterable
        self._batch_size = loader.batch_size

    def __iter__(self):
        return self

    def __next__(self):
        index = next(self._indices)
        return self._fetcher.fetch(index)


class _MultiProcessIter:
    def __init__(self, loader):
        self._loader = loader
        self._num_workers = loader.num_workers
        self._prefetch = loader.prefetch_factor * loader.num_workers
        self._timeout = loader.timeout
        self._in_order = loader.in_order
        self._persistent = loader.persistent_workers
        self._shutdown = False
        context = loader.multiprocessing_context
        if context is None:
            context = multiprocessing.get_context()
        elif isinstance(context, str):
            context = multiprocessing.get_context(context)
        self._shm_prefix = f"ember_{os.getpid()}_{next(_loader_ids)}_"
        self._result_queue = context.Queue()
        self._done_event = context.Event()
        self._index_queues, self._workers = [], []
        base_seed = loader._shared_seed()
        for worker_id in range(self._num_workers):
            index_queue = context.Queue()
            index_queue.cancel_join_thread()
            worker = context.Process(
                target=_worker.worker_loop,
                args=(loader._is_iterable, loader.dataset, index_queue, self._result_queue,
                      self._done_event, loader._auto_collation, loader.collate_fn,
                      loader.drop_last, base_seed, loader.worker_init_fn, worker_id,
                      self._num_workers, self._shm_prefix),
                daemon=True)
            worker.start()
            self._index_queues.append(index_queue)
            self._workers.append(worker)
        self._next_task = 0
        self._rcvd = 0
        self._start_epoch()

    def _start_epoch(self):
        self._indices = iter(self._loader._index_sampler)
        self._task_info = {}       # task id -> (worker id,) or (worker id, data)
        self._active = [True] * self._num_workers
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        self._rcvd = self._next_task
        self._outstanding = 0
        for _ in range(self._prefetch):
            self._put_task()

    def _reset(self):
        # Persistent workers: results of an epoch broken off early are dropped by id.
        if self._loader._is_iterable:
            for q in self._index_queues:
                q.put(_worker.ResumeIteration())
            resumed = 0
            while resumed < self._num_workers:
                task_id, data = self._get_result()
                if isinstance(task_id, _worker.ResumeIteration):
                    resumed += 1
                else:
                    _discard(data)
        self._start_epoch()

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._loader)

    def _put_task(self):
        if self._outstanding >= self._prefetch:
            return
        try:
            index = next(self._indices)
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker_id = next(self._worker_cycle)
            if self._active[worker_id]:
                break
        else:
            return
        self._index_queues[worker_id].put((self._next_task, index))
        self._task_info[self._next_task] = (worker_id,)
        self._next_task += 1
        self._outstanding += 1

    def __next__(self):
        while True:
            while self._rcvd < self._next_task:
                info = self._task_info.get(self._rcvd)
                if info is not None and (len(info) == 2 or self._active[info[0]]):
                    break
                self._task_info.pop(self._rcvd, None)
                self._rcvd += 1
            else:
                if not self._persistent:
                    self._shutdown_workers()
                raise StopIteration
            info = self._task_info[self._rcvd]
            if len(info) == 2:
                del self._task_info[self._rcvd]
                self._rcvd += 1
                return self._deliver(info[1])
            task_id, data = self._get_result()
            if task_id < self._rcvd or task_id not in self._task_info:
                _discard(data)  # a result from an epoch that was broken off
                continue
            self._outstanding -= 1
            if isinstance(data, _worker.IterableExhausted):
                self._active[data.worker_id] = False
                self._task_info.pop(task_id, None)
                self._put_task()
                continue
            if task_id != self._rcvd and self._in_order:
                self._task_info[task_id] += (data,)
                continue
            del self._task_info[task_id]
            if task_id == self._rcvd:
                self._rcvd += 1
            return self._deliver(data)

    def _deliver(self, data):
        self._put_task()
        if isinstance(data, _worker.ExceptionWrapper):
            data.reraise()
        return _shared.from_shared(data)

    def _get_result(self):
        start = time.monotonic()
        while True:
            wait = _POLL_INTERVAL
            if self._timeout > 0:
                wait = min(wait, max(self._timeout - (time.monotonic() - start), 0.001))
            try:
                return self._result_queue.get(timeout=wait)
            except queue.Empty:
                pass
            self._check_workers()
            if self._timeout > 0 and time.monotonic() - start >= self._timeout:
                self._shutdown_workers()
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")

    def _check_workers(self):
        for worker_id, worker in enumerate(self._workers):
            if worker.is_alive() or not self._active[worker_id] and worker.exitcode == 0:
                continue
            code = worker.exitcode
            self._shutdown_workers()
            if code is not None and code < 0:
                raise RuntimeError(f"DataLoader worker (pid {worker.pid}) is killed by signal: "
                                   f"{signal.strsignal(-code)}. ")
            raise RuntimeError(f"DataLoader worker (pid(s) {worker.pid}) exited unexpectedly")

    def _shutdown_workers(self):
        if self._shutdown:
            return
        self._shutdown = True
        self._done_event.set()
        for q in self._index_queues:
            try:
                q.put(None)
            except (OSError, ValueError):
                pass
        for worker in self._workers:
            worker.join(timeout=2 * _worker.STATUS_CHECK_INTERVAL)
            if worker.is_alive():
                worker.terminate()
                worker.join()
        # Results never consumed may hold shared files: drain and unlink them.
        try:
            while True:
                _, data = self._result_queue.get_nowait()
                _discard(data)
        except (queue.Empty, OSError, ValueError, EOFError):
            pass
        for q in self._index_queues + [self._result_queue]:
            q.cancel_join_thread()
            q.close()
        _shared.cleanup(self._shm_prefix)

    def __del__(self):
        try:
            self._shutdown_workers()
        except Exception:
            pass


def _discard(data):
    """Free the shared memory of a result nobody will use."""
    if not isinstance(data, (_worker.ExceptionWrapper, _worker.IterableExhausted)):
        try:
            _shared.from_shared(data)
        except OSError:
            pass
