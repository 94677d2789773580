"""The backward engine: runs the graph from some outputs back to the leaves.

Nodes run once all their consumers have run (dependency counting), newest first
among the ready ones, like torch's engine. Gradients for one node's outputs are
summed in a buffer before it runs; tensor hooks and retain_grad see that sum.
"""
import heapq
import itertools
import operator

from . import anomaly_mode
from .anomaly_mode import state as anomaly
from .grad_mode import state as grad_state
from .graph import AccumulateGrad


class _Pass:
    """One backward pass (what register_multi_grad_hook groups its hooks by)."""
    __slots__ = ("nodes", "roots", "leaves", "__weakref__")

    def __init__(self, nodes, roots, leaves=()):
        # Collections of the nodes it reaches (leaves: AccumulateGrad nodes).
        self.nodes, self.roots, self.leaves = nodes, roots, leaves

    @property
    def reachable(self):
        return set(self.nodes) | set(self.roots) | set(self.leaves)


_passes = []


def current_pass():
    """The backward pass running now (None outside backward). The loops push the
    arguments of its _Pass; it is built on first request (most passes never ask)."""
    if not _passes:
        return None
    top = _passes[-1]
    if type(top) is tuple:
        top = _passes[-1] = _Pass(*top)
    return top


def _dependencies(roots):
    """How many edges lead into each node reachable from the roots."""
    deps = {}
    stack = list(roots)
    while stack:
        node = stack.pop()
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            count = deps.get(nxt)
            if count is None:
                deps[nxt] = 1
                stack.append(nxt)
            else:
                deps[nxt] = count + 1
    return deps


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


def _call_prehooks(hooks, grads):
    for hook in tuple(hooks):
        result = hook(tuple(grads))
        if result is not None:
            grads = list(result)
    return grads


def _call_posthooks(node, grad_inputs, grads):
    for hook in tuple(node._hooks):
        result = hook(grad_inputs, tuple(grads))
        if result is not None:
            grad_inputs = tuple(result)
    return grad_inputs


def execute(roots, root_grads, retain_graph, create_graph, capture=None,
            accumulate=True, only=None):
    """Run backward from (node, output_nr) roots seeded with root_grads.

    capture: list of (node, output_nr) whose incoming gradient is returned.
    accumulate: whether AccumulateGrad nodes write .grad.
    only: if given, the AccumulateGrad nodes allowed to accumulate (backward(inputs=)).
    """
    if not create_graph and capture is None and only is None and accumulate and \
            not anomaly.enabled:
        execute_arrays(roots, [g._data if g is not None else None for g in root_grads],
                       retain_graph)
        return []
    return _execute_tensors(roots, root_grads, retain_graph, create_graph, capture,
                            accumulate, only)


def _execute_tensors(roots, root_grads, retain_graph, create_graph, capture=None,
                     accumulate=True, only=None):
    """The general loop: gradients flow as tensors (a graph is built under create_graph)."""
    root_nodes = [roots[0][0]] if len(roots) == 1 else list(dict.fromkeys(n for n, _ in roots))
    deps = _dependencies(root_nodes)

    needed = None
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

    # Ties (AccumulateGrad nodes all share the top number) go first come, first served.
    arrival = itertools.count()
    ready = [(-node._seq, next(arrival), node) for node in root_nodes if deps.get(node, 0) == 0]
    heapq.heapify(ready)
    pop, push = heapq.heappop, heapq.heappush
    prev_enabled = grad_state.enabled
    grad_state.enabled = create_graph
    _passes.append((deps, root_nodes))
    try:
        while ready:
            node = pop(ready)[2]
            grads = buffers.pop(node, None) or [None] * node._num_outputs
            grad_inputs = ()
            if needed is None or node in needed:
                if node._tensor_prehooks or node._prehooks or node._retains or capture_slots:
                    grads = _before_node(node, grads, capture_slots, captured)
                if node._is_accumulator:
                    if accumulate and (only is None or node in only) and \
                            grads[0] is not None:
                        node._run_backward(grads)
                        if node._hooks:
                            _call_posthooks(node, (), grads)
                    continue
                grad_inputs = _run_node(node, grads, retain_graph)
            if grad_inputs:
                for (nxt, nr), g in zip(node.next_functions, grad_inputs):
                    if nxt is None:
                        continue
                    if g is not None:
                        buf = buffers.get(nxt)
                        if buf is None:
                            buf = buffers[nxt] = [None] * nxt._num_outputs
                        buf[nr] = g if buf[nr] is None else buf[nr] + g
                    left = deps[nxt] - 1
                    deps[nxt] = left
                    if left == 0:
                        push(ready, (-nxt._seq, next(arrival), nxt))
            else:
                for nxt, _ in node.next_functions:
                    if nxt is None:
                        continue
                    left = deps[nxt] - 1
                    deps[nxt] = left
                    if left == 0:
                        push(ready, (-nxt._seq, next(arrival), nxt))
    finally:
        grad_state.enabled = prev_enabled
        _passes.pop()
    return [captured.get(key) for key in capture or ()]


def execute_arrays(roots, root_grads, retain_graph):
    """execute() when no graph is built (create_graph=False), all leaves accumulate and
    nothing is captured: the common backward(). Gradients flow as backend arrays (the
    seeds root_grads too), so primitives with an array_backward twin run without
    wrapping tensors; nodes with hooks or retain_grad see tensors, as in the general
    loop, and anomaly mode runs the general loop.

    The order is torch's, with no ready queue: a node's inputs always have smaller
    sequence numbers than the node (they exist before it is recorded), so running the
    reachable nodes from the newest to the oldest runs each after all its consumers.
    Leaves' AccumulateGrad nodes run as soon as their last consumer has (torch gives
    them the highest priority): they are counted instead of sorted."""
    if anomaly.enabled:
        from .graph import _wrap
        _execute_tensors(roots, [_wrap(g) for g in root_grads], retain_graph, False)
        return
    buffers = {}
    for (node, nr), grad in zip(roots, root_grads):
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node._num_outputs
        buf[nr] = grad if buf[nr] is None else buf[nr] + grad
    root_nodes = list(buffers)
    reachable = set(root_nodes)
    pending = {}  # AccumulateGrad -> its edges still to be delivered
    stack = list(root_nodes)
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is None:
                continue
            if nxt._is_accumulator:
                pending[nxt] = pending.get(nxt, 0) + 1
            elif nxt not in reachable:
                reachable.add(nxt)
                stack.append(nxt)
    order = sorted(reachable, key=_by_sequence, reverse=True)

    prev_enabled = grad_state.enabled
    grad_state.enabled = False
    _passes.append((reachable, root_nodes, pending))
    ready = []  # (AccumulateGrad, gradient) made ready by the node that just ran
    try:
        for node in order:
            grads = buffers.pop(node, None)
            if node._is_accumulator:  # a root: runs now unless edges lead to it too
                if grads is not None:
                    if node in pending:
                        buffers[node] = grads
                    elif grads[0] is not None:
                        ready.append((node, grads[0]))
                        grads = grad_inputs = g = buf = None
                        _run_ready(ready, retain_graph)
                continue
            grad_inputs = None
            if grads is not None:
                if node._hooked:
                    grad_inputs = _run_with_tensors(node, grads, retain_graph)
                else:
                    for g in grads:
                        if g is not None:
                            grad_inputs = node._run_backward_arrays(grads)
                            if not retain_graph:
                                node._release()
                            break
            if grad_inputs is None:  # no gradient reached it: none flows on from here
                if pending:
                    _deliver_nothing(node, pending, buffers, ready)
                    if ready:
                        _run_ready(ready, retain_graph)
                continue
            for (nxt, nr), g in zip(node.next_functions, grad_inputs):
                if nxt is None:
                    continue
                if nxt._is_accumulator:
                    left = pending[nxt] - 1
                    pending[nxt] = left
                    if left:  # more edges to come: sum in its buffer
                        if g is not None:
                            buf = buffers.get(nxt)
                            if buf is None:
                                buffers[nxt] = [g]
                            else:
                                buf[0] = g if buf[0] is None else buf[0] + g
                        continue
                    buf = buffers.pop(nxt, None)
                    if buf is not None and buf[0] is not None:
                        g = buf[0] if g is None else buf[0] + g
                    if g is not None:
                        ready.append((nxt, g))
                    continue
                if g is None:
                    continue
                buf = buffers.get(nxt)
                if buf is None:
                    buf = buffers[nxt] = [None] * nxt._num_outputs
                buf[nr] = g if buf[nr] is None else buf[nr] + g
            if ready:
                # Drop the loop's references first, so that .grad may keep an array
                # nothing else holds (see AccumulateGrad._accumulate_array).
                grads = grad_inputs = g = buf = None
                if len(ready) == 1 and not ready[0][0]._hooked:  # (_run_ready, inlined)
                    node, g = ready.pop()
                    node._accumulate_array(g)
                    g = None
                else:
                    _run_ready(ready, retain_graph)
    finally:
        grad_state.enabled = prev_enabled
        _passes.pop()


def _deliver_nothing(node, pending, buffers, ready):
    """A node no gradient reached still counts as delivered to the leaves it feeds."""
    for nxt, _ in node.next_functions:
        if nxt is None or not nxt._is_accumulator:
            continue
        left = pending[nxt] - 1
        pending[nxt] = left
        if not left:
            buf = buffers.pop(nxt, None)
            if buf is not None and buf[0] is not None:
                ready.append((nxt, buf[0]))


def _run_ready(ready, retain_graph):
    """Run the AccumulateGrad nodes made ready, in the order their edges came."""
    for i in range(len(ready)):
        node, grad = ready[i]
        ready[i] = None  # only this frame holds grad now
        if node._hooked:
            _run_with_tensors(node, [grad], retain_graph)
        else:
            node._accumulate_array(grad)
    ready.clear()


_by_sequence = operator.attrgetter("_seq")


def _run_with_tensors(node, grads, retain_graph):
    """One node of the array loop that has hooks (or retain_grad): run as the general
    loop does, on tensors."""
    from .graph import _unwrap, _wrap
    grads = _before_node(node, [_wrap(g) for g in grads], {}, None)
    if node._is_accumulator:
        if grads[0] is not None:
            node._run_backward(grads)
            if node._hooks:
                _call_posthooks(node, (), grads)
        return ()
    return _unwrap(_run_node(node, grads, retain_graph))


def _before_node(node, grads, capture_slots, captured):
    """Tensor hooks, node pre-hooks, retain_grad and captures, in torch's order."""
    hooks = node._tensor_prehooks
    if hooks:
        grads = _call_prehooks(hooks, grads)
    if node._prehooks:
        grads = _call_prehooks(node._prehooks, grads)
    if node._retains:
        _retain_grads(node, grads)
    slots = capture_slots.get(node)
    if slots:
        for nr in slots:
            captured[(node, nr)] = grads[nr]
    return grads


def _run_node(node, grads, retain_graph):
    """Run one (non-leaf) node's backward with its post-hooks; returns its grad_inputs."""
    for g in grads:
        if g is not None:
            break
    else:
        return ()
    if anomaly.enabled:
        grad_inputs = _run_with_anomaly(node, grads)
    else:
        grad_inputs = node._run_backward(grads)
        if node._hooks:
            grad_inputs = _call_posthooks(node, grad_inputs, grads)
    if not retain_graph:
        node._release()
    return grad_inputs


def _run_with_anomaly(node, grads):
    prev_parent = anomaly.parent
    anomaly.parent = node
    try:
        grad_inputs = node._run_backward(grads)
        if node._hooks:
            grad_inputs = _call_posthooks(node, grad_inputs, grads)
        if anomaly.check_nan:
            anomaly_mode.check_nan(node, grad_inputs)
    except Exception:
        anomaly_mode.warn_backward_error(node)
        raise
    finally:
        anomaly.parent = prev_parent
    return grad_inputs


def _retain_grads(node, grads):
    from .graph import detach_for_grad
    for nr, ref in list(node._retains.items()):
        tensor = ref()
        if tensor is None or grads[nr] is None:
            continue
        g = grads[nr]
        if tensor.grad is None:
            tensor.grad = g if grad_state.enabled else detach_for_grad(g)
        else:
            tensor.grad = tensor.grad + g
