"""UntypedStorage: the memory behind a tensor, as ``Tensor.untyped_storage()`` returns it.

A tensor's array may be a view (a slice, a transpose, a detached alias) of an array
that owns the memory. The storage stands for that owner: a tensor and all its views
report the same ``data_ptr()`` and ``nbytes()``, which is what code comparing storages
(checkpoint deduplication, "do these share memory?") relies on.
"""
from .backend import backend_for


def _owner(array):
    """The array at the root of a chain of views (the one holding the memory).

    The chain may pass through non-array objects (NumPy's as_strided keeps its source
    behind a helper object's ``base``), so every ``base`` link is followed.
    """
    kind = type(array)
    link = array.base
    while link is not None:
        if isinstance(link, kind):
            array = link
        link = getattr(link, "base", None)
    return array


class UntypedStorage:
    __slots__ = ("_array", "device")

    def __init__(self, array, device):
        self._array = array
        self.device = device

    @classmethod
    def _of(cls, tensor):
        return cls(_owner(tensor._data), tensor._device)

    def nbytes(self):
        return int(self._array.nbytes)

    def size(self):
        return self.nbytes()

    def __len__(self):
        return self.nbytes()

    def element_size(self):
        return 1

    def data_ptr(self):
        return backend_for(self.device).data_ptr(self._array)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    def get_device(self):
        # NOTE: torch's storages answer the device index: None on the CPU, not -1.
        return self.device.index

    def is_shared(self):
        return False

    def is_pinned(self, device="cuda"):
        return False

    def untyped(self):
        return self

    def _bytes(self):
        """The raw bytes, in memory order, as a host uint8 array."""
        flat = self._array.ravel(order="K")  # a view: the owner is contiguous
        return backend_for(self.device).to_numpy(flat.view("uint8"))

    def tolist(self):
        return self._bytes().tolist()

    def __getitem__(self, index):
        data = self._bytes()[index]
        return data.tolist()

    def __iter__(self):
        return iter(self.tolist())

    def __repr__(self):
        # One " byte" line each (a lone " " line when empty, as in torch), then a footer.
        body = " " + "\n ".join(str(b) for b in self.tolist())
        return (f"{body}\n[ember.storage.UntypedStorage(device={self.device}) of size "
                f"{self.nbytes()}]")
