"""torch-style tensor printing (placeholder formatting; see set_printoptions)."""


def tensor_repr(t):
    data = t.detach().cpu()._data
    body = repr(data.tolist())
    suffix = ""
    if t.grad_fn is not None:
        suffix = f", grad_fn=<{t.grad_fn.name()}>"
    elif t.requires_grad:
        suffix = ", requires_grad=True"
    return f"tensor({body}, dtype={t.dtype}{suffix})"
