"""The backward engine: runs the graph from some outputs back to the leaves.

Nodes run once all their consumers have run (dependency counting), newest first
among the ready ones, like torch's engine. Gradients for one node's outputs are
summed in a buffer before it runs; tensor hooks and retain_grad see that sum.
"""
import heapq

from .grad_mode import state as grad_state
from .graph import AccumulateGrad


class _AnomalyState:
    __slots__ = ("enabled", "check_nan")

    def __init__(self):
        self.enabled = False
        self.check_nan = True


anomaly = _AnomalyState()


def _dependencies(roots):
    deps = {}
    seen = set(roots)
    stack = list(roots)
    while stack:
        node = stack.pop()
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            deps[nxt] = deps.get(nxt, 0) + 1
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return deps, seen


def _needed(nodes, targets):
    """Nodes from which some target node can be reached (the others are pruned)."""
    needed = {}

    def visit(root):
        # Iterative post-order DFS: a node is needed if it is a target or feeds one.
        stack = [(root, iter(root.next_functions))]
        path = {root}
        needed.setdefault(root, root in targets)
        while stack:
            node, children = stack[-1]
            advanced = False
            for nxt, _ in children:
                if nxt is None:
                    continue
                if nxt in needed and nxt not in path:
                    if needed[nxt]:
                        needed[node] = True
                    continue
                if nxt in path:
                    continue
                needed[nxt] = nxt in targets
                path.add(nxt)
                stack.append((nxt, iter(nxt.next_functions)))
                advanced = True
                break
            if not advanced:
                stack.pop()
                path.discard(node)
                if stack and needed[node]:
                    needed[stack[-1][0]] = True
    for node in nodes:
        if node not in needed:
            visit(node)
    return {n for n, flag in needed.items() if flag}


def _call_tensor_prehooks(node, grads):
    hooks = node._prehooks
    if hooks:
        for hook in hooks:
            result = hook(tuple(grads))
            if result is not None:
                grads = list(result)
    return grads


def execute(roots, root_grads, retain_graph, create_graph, capture=None,
            accumulate=True, only=None):
    """Run backward from (node, output_nr) roots seeded with root_grads.

    capture: list of (node, output_nr) whose incoming gradient is returned.
    accumulate: whether AccumulateGrad nodes write .grad.
    only: if given, the AccumulateGrad nodes allowed to accumulate (backward(inputs=)).
    """
    root_nodes = []
    for node, _ in roots:
        if node not in root_nodes:
            root_nodes.append(node)
    deps, reachable = _dependencies(root_nodes)

    targets = None
    if capture is not None or only is not None:
        targets = {n for n, _ in (capture or ())} | set(only or ())
        needed = _needed(root_nodes, targets)
    captured = {}
    capture_slots = {}
    for node, nr in capture or ():
        capture_slots.setdefault(node, set()).add(nr)

    buffers = {}
    for (node, nr), grad in zip(roots, root_grads):
        buf = buffers.setdefault(node, [None] * node._num_outputs)
        buf[nr] = grad if buf[nr] is None else buf[nr] + grad

    ready = [(-node._seq, id(node), node) for node in root_nodes if deps.get(node, 0) == 0]
    heapq.heapify(ready)
    prev_enabled = grad_state.enabled
    grad_state.enabled = create_graph
    try:
        while ready:
            _, _, node = heapq.heappop(ready)
            grads = buffers.pop(node, None) or [None] * node._num_outputs
            run = targets is None or node in needed
            if run:
                grads = _call_tensor_prehooks(node, grads)
                _retain_grads(node, grads)
                slots = capture_slots.get(node)
                if slots:
                    for nr in slots:
                        captured[(node, nr)] = grads[nr]
            if isinstance(node, AccumulateGrad):
                if run and accumulate and (only is None or node in only) and grads[0] is not None:
                    node._run_backward(grads)
                continue
            if run and any(g is not None for g in grads):
                grad_inputs = node._run_backward(grads)
                if node._hooks:
                    for hook in node._hooks:
                        result = hook(grad_inputs, tuple(grads))
                        if result is not None:
                            grad_inputs = tuple(result)
                if anomaly.enabled and anomaly.check_nan:
                    _check_nan(node, grad_inputs)
            else:
                grad_inputs = (None,) * len(node.next_functions)
            if not retain_graph and hasattr(node, "_release"):
                node._release()
            for (nxt, nr), g in zip(node.next_functions, grad_inputs):
                if nxt is None:
                    continue
                if g is not None:
                    buf = buffers.get(nxt)
                    if buf is None:
                        buf = buffers[nxt] = [None] * nxt._num_outputs
                    buf[nr] = g if buf[nr] is None else buf[nr] + g
                deps[nxt] -= 1
                if deps[nxt] == 0:
                    heapq.heappush(ready, (-nxt._seq, id(nxt), nxt))
    finally:
        grad_state.enabled = prev_enabled
    return [captured.get(key) for key in capture or ()]


def _retain_grads(node, grads):
    retains = node._retains
    if not retains:
        return
    for nr, ref in list(retains.items()):
        tensor = ref()
        if tensor is None or grads[nr] is None:
            continue
        from ..ops.creation import detach_for_grad
        g = grads[nr]
        if tensor.grad is None:
            tensor.grad = g if grad_state.enabled else detach_for_grad(g)
        else:
            tensor.grad = tensor.grad + g


def _check_nan(node, grad_inputs):
    for i, g in enumerate(grad_inputs):
        if g is not None and bool(g.isnan().any()):
            message = f"Function '{node.name()}' returned nan values in its {i}th output."
            trace = getattr(node, "_anomaly_trace", None)
            if trace:
                message += "\nTraceback of forward call that caused the error:\n" + trace
            raise RuntimeError(message)
