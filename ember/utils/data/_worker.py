"""The loop each DataLoader worker process runs, and get_worker_info()."""
import os
import queue
import random
import sys
import traceback

from . import _shared

# How often a blocked worker checks that its parent is still alive (seconds).
STATUS_CHECK_INTERVAL = 1.0


class WorkerInfo:
    """What get_worker_info() returns inside a worker."""

    def __init__(self, id, num_workers, seed, dataset):
        self.id, self.num_workers, self.seed, self.dataset = id, num_workers, seed, dataset

    def __setattr__(self, key, value):
        if getattr(self, "_frozen", False):
            raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects")
        super().__setattr__(key, value)

    def __repr__(self):
        return (f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed}, "
                f"dataset={self.dataset!r})")


_worker_info = None


def get_worker_info():
    """In a worker: its WorkerInfo; in the main process: None."""
    return _worker_info


class ExceptionWrapper:
    """An exception raised in a worker, carried to the main process with its traceback."""

    def __init__(self, exc_info, where):
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        message = (f"Caught {self.exc_type.__name__} {self.where}.\nOriginal "
                   f"{self.exc_msg}")
        if self.exc_type is KeyError:
            message = KeyErrorMessage(message)
        try:
            exception = self.exc_type(message)
        except Exception:
            raise RuntimeError(message) from None
        raise exception


class KeyErrorMessage(str):
    """KeyError quotes its message; this keeps the traceback readable."""

    def __repr__(self):
        return self


class IterableExhausted:
    """Sent by a worker whose IterableDataset iterator ran out."""

    def __init__(self, worker_id):
        self.worker_id = worker_id


class ResumeIteration:
    """Sent to persistent workers at a new epoch: restart the dataset iterator."""


class _MapFetcher:
    def __init__(self, dataset, auto_collation, collate_fn):
        self.dataset, self.auto_collation, self.collate_fn = dataset, auto_collation, collate_fn

    def fetch(self, index):
        if self.auto_collation:
            getitems = getattr(self.dataset, "__getitems__", None)
            data = getitems(index) if getitems else [self.dataset[i] for i in index]
        else:
            data = self.dataset[index]
        return self.collate_fn(data)


class _IterableFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.iterator = iter(dataset)
        self.auto_collation, self.collate_fn, self.drop_last = auto_collation, collate_fn, \
            drop_last
        self.ended = False

    def fetch(self, batch_size):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.iterator))
        data = []
        for _ in range(batch_size):
            try:
                data.append(next(self.iterator))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < batch_size):
            raise StopIteration
        return self.collate_fn(data)


def make_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last):
    if is_iterable:
        return _IterableFetcher(dataset, auto_collation, collate_fn, drop_last)
    return _MapFetcher(dataset, auto_collation, collate_fn)


def worker_loop(is_iterable, dataset, index_queue, result_queue, done_event, auto_collation,
                collate_fn, drop_last, base_seed, init_fn, worker_id, num_workers,
                shm_prefix):
    global _worker_info
    # NOTE: the process that started this one, which is the main process only under fork
    # and spawn: under forkserver it is the server (which exits when the main one does).
    parent_pid = os.getppid()
    parent_gone = False
    try:
        seed = base_seed + worker_id
        random.seed(seed)
        from ... import manual_seed
        manual_seed(seed)
        _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
        _worker_info._frozen = True
        init_error = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = make_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_error = ExceptionWrapper(sys.exc_info(),
                                          f"in DataLoader worker process {worker_id}")
        use_shm = _shared.available()
        exhausted = False
        while True:
            try:
                task = index_queue.get(timeout=STATUS_CHECK_INTERVAL)
            except queue.Empty:
                parent_gone = os.getppid() != parent_pid
                if parent_gone or done_event.is_set():
                    break
                continue
            if task is None:
                break
            if isinstance(task, ResumeIteration):
                fetcher = make_fetcher(is_iterable, dataset, auto_collation, collate_fn,
                                       drop_last)
                exhausted = False
                result_queue.put((task, None))
                continue
            task_id, index = task
            if init_error is not None:
                data, init_error = init_error, None
            elif exhausted:
                data = IterableExhausted(worker_id)
            else:
                try:
                    data = fetcher.fetch(index)
                    if use_shm:
                        data = _shared.to_shared(data, shm_prefix)
                except StopIteration:
                    exhausted = True
                    data = IterableExhausted(worker_id)
                except Exception:
                    data = ExceptionWrapper(sys.exc_info(),
                                            f"in DataLoader worker process {worker_id}")
            result_queue.put((task_id, data))
            del data
    except KeyboardInterrupt:
        pass
    if parent_gone:
        # Nobody will read what this loader's workers sent: free its shared memory.
        _shared.cleanup(shm_prefix)
    if done_event.is_set() or parent_gone:
        result_queue.cancel_join_thread()
        result_queue.close()
