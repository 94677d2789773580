"""L-BFGS: limited-memory quasi-Newton steps, optionally with a strong-Wolfe line search.

The optimizer works on the parameters flattened into one vector (real and imaginary
parts of complex parameters as separate reals); the line search brackets a step and
then zooms in with safeguarded cubic interpolation (Nocedal & Wright, algorithms 3.5
and 3.6, as in minFunc and torch).
"""
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad, no_grad
from ..ops._util import xp_of
from .optimizer import Optimizer, bump, check_lr, real_array, scalar


def _cubic_minimum(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through (x1, f1, g1), (x2, f2, g2), kept in bounds
    (the interval's middle when the cubic has no minimum)."""
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square < 0:
        return (lo + hi) / 2.0
    d2 = d2_square ** 0.5
    if x1 <= x2:
        x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(x, lo), hi)


def _safeguard(t, a, b, stalled):
    """Keep the zoom's trial step t away from the ends of [a, b]: when t lands within
    10% of an end twice in a row (or outside), move it 10% inside.
    Returns (t, stalled)."""
    lo, hi = min(a, b), max(a, b)
    eps = 0.1 * (hi - lo)
    if min(hi - t, t - lo) >= eps:
        return t, False
    if stalled or t >= hi or t <= lo:
        return (hi - eps if abs(t - hi) < abs(t - lo) else lo + eps), False
    return t, True


def _strong_wolfe(evaluate, dot, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9,
                  max_ls=25):
    """A step t along d meeting the strong Wolfe conditions. evaluate(t) gives
    (loss, flat gradient) at x + t d; points are [t, loss, gradient, slope].
    Returns (loss, gradient, t, evaluations)."""
    d_norm = float(abs(d).max())
    f_new, g_new = evaluate(t)
    evals = 1
    gtd_new = dot(g_new, d)
    prev = [0, f, g.copy(), gtd]
    done = False
    ls_iter = 0
    # Phase 1: grow the step until an interval is known to hold an acceptable point.
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= prev[1]):
            bracket = [prev, [t, f_new, g_new.copy(), gtd_new]]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, done = [[t, f_new, g_new, gtd_new]], True
            break
        if gtd_new >= 0:
            bracket = [prev, [t, f_new, g_new.copy(), gtd_new]]
            break
        t_next = _cubic_minimum(prev[0], prev[1], prev[3], t, f_new, gtd_new,
                                bounds=(t + 0.01 * (t - prev[0]), t * 10))
        prev = [t, f_new, g_new.copy(), gtd_new]
        t = t_next
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = dot(g_new, d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket = [[0, f, g, None], [t, f_new, g_new, None]]
    # Phase 2 (zoom): shrink the interval until a point meets the conditions.
    low, high = (0, 1) if bracket[0][1] <= bracket[-1][1] else (1, 0)
    stalled = False
    while not done and ls_iter < max_ls:
        (t0, f0, _, s0), (t1, f1, _, s1) = bracket
        if abs(t1 - t0) * d_norm < tolerance_change:
            break
        t, stalled = _safeguard(_cubic_minimum(t0, f0, s0, t1, f1, s1), t0, t1, stalled)
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = dot(g_new, d)
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket[low][1]:
            bracket[high] = [t, f_new, g_new.copy(), gtd_new]
            low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
            continue
        if abs(gtd_new) <= -c2 * gtd:
            done = True
        elif gtd_new * (bracket[high][0] - bracket[low][0]) >= 0:
            bracket[high] = bracket[low]
        bracket[low] = [t, f_new, g_new.copy(), gtd_new]
    t, f_new, g_new, _ = bracket[low]
    return f_new, g_new, t, evals


class LBFGS(Optimizer):
    r"""L-BFGS (torch.optim.LBFGS); ``step(closure)`` runs up to max_iter iterations:

        d = -H g, with H applied by the two-loop recursion over the last history_size
            pairs (s = t d, y = g_new - g; a pair is kept when y.s > 1e-10) and the
            initial scaling y.s / y.y
        t = min(1, 1 / |g|_1) * lr on the very first iteration, else lr (or the
            strong-Wolfe step when line_search_fn='strong_wolfe')
        x <- x + t d

    It stops on |g|_inf <= tolerance_grad, |t d|_inf <= tolerance_change, a loss
    change below tolerance_change, max_iter or max_eval. State (on the first
    parameter, torch's keys): func_evals, n_iter, d, t, old_dirs, old_stps, ro, H_diag,
    prev_flat_grad, prev_loss (vectors as tensors; t, ro, H_diag as Python floats).
    """

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        check_lr(lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                        tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                        history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    # ------------------------------------------------------------ flat views

    def _flat_grad(self):
        xp = xp_of(self._params[0])
        parts = [real_array(p.grad).ravel() if p.grad is not None else
                 xp.zeros(real_array(p).size, real_array(p).dtype) for p in self._params]
        return xp.concatenate(parts)

    def _add_to_params(self, t, d):
        offset = 0
        for p in self._params:
            data = real_array(p)
            data += t * d[offset:offset + data.size].reshape(data.shape)
            offset += data.size
            bump(p)

    def _set_params(self, arrays):
        for p, data in zip(self._params, arrays):
            real_array(p)[...] = data
            bump(p)

    def _wrap(self, array):
        return Tensor._make(array, self._params[0].device)

    # ------------------------------------------------------------ the step

    @no_grad()
    def step(self, closure):
        group = self.param_groups[0]
        lr = scalar(group["lr"])
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        def evaluate():
            with enable_grad():
                return closure()

        orig_loss = evaluate()
        loss = float(orig_loss)
        state["func_evals"] += 1
        evals = 1
        flat_grad = self._flat_grad()
        xp = xp_of(self._params[0])
        if float(xp.abs(flat_grad).max()) <= group["tolerance_grad"]:
            return orig_loss

        def dot(a, b):
            return float(xp.dot(a, b))

        d = _array(state.get("d"))
        t = state.get("t")
        history = _History(state, group["history_size"])
        prev_flat_grad = _array(state.get("prev_flat_grad"))
        prev_loss = state.get("prev_loss")
        n_iter = 0
        while n_iter < group["max_iter"]:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                history.reset()
            else:
                history.add(flat_grad - prev_flat_grad, d * t, dot)
                d = history.direction(flat_grad, dot, state)
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / float(xp.abs(flat_grad).sum())) * lr
            else:
                t = lr
            gtd = dot(flat_grad, d)
            if gtd > -group["tolerance_change"]:
                break
            ls_evals = 0
            if group["line_search_fn"] is not None:
                loss, flat_grad, t, ls_evals = self._line_search(
                    group, evaluate, dot, t, d, loss, flat_grad, gtd, group["max_eval"] - evals)
                self._add_to_params(t, d)
                optimal = float(xp.abs(flat_grad).max()) <= group["tolerance_grad"]
            else:
                self._add_to_params(t, d)
                if n_iter != group["max_iter"]:
                    loss = float(evaluate())
                    flat_grad = self._flat_grad()
                    optimal = float(xp.abs(flat_grad).max()) <= group["tolerance_grad"]
                    ls_evals = 1
            evals += ls_evals
            state["func_evals"] += ls_evals
            if n_iter == group["max_iter"] or evals >= group["max_eval"] or optimal:
                break
            if float(xp.abs(d * t).max()) <= group["tolerance_change"]:
                break
            if abs(loss - prev_loss) < group["tolerance_change"]:
                break
        state["d"] = self._wrap(d)
        state["t"] = t
        history.save(self._wrap)
        state["prev_flat_grad"] = self._wrap(prev_flat_grad)
        state["prev_loss"] = prev_loss
        return orig_loss

    def _line_search(self, group, evaluate, dot, t, d, loss, flat_grad, gtd, max_ls):
        if group["line_search_fn"] != "strong_wolfe":
            raise RuntimeError("only 'strong_wolfe' is supported")
        start = [real_array(p).copy() for p in self._params]

        def directional(step):
            self._add_to_params(step, d)
            value = float(evaluate())
            grad = self._flat_grad()
            self._set_params(start)
            return value, grad
        return _strong_wolfe(directional, dot, t, d, loss, flat_grad, gtd, max_ls=max_ls)


def _array(value):
    return value._data if isinstance(value, Tensor) else value


class _History:
    """The kept curvature pairs (y, s), 1 / y.s, and the initial Hessian scaling."""

    def __init__(self, state, size):
        self.state, self.size = state, size
        self.dirs = [_array(v) for v in state.get("old_dirs") or []]
        self.steps = [_array(v) for v in state.get("old_stps") or []]
        self.ro = [float(v) for v in state.get("ro") or []]
        self.h_diag = state.get("H_diag")

    def reset(self):
        self.dirs, self.steps, self.ro, self.h_diag = [], [], [], 1

    def add(self, y, s, dot):
        ys = dot(y, s)
        if ys <= 1e-10:
            return
        if len(self.dirs) == self.size:
            del self.dirs[0], self.steps[0], self.ro[0]
        self.dirs.append(y)
        self.steps.append(s)
        self.ro.append(1.0 / ys)
        self.h_diag = ys / dot(y, y)

    def direction(self, grad, dot, state):
        """-H grad by the two-loop recursion."""
        if "al" not in state:
            state["al"] = [None] * self.size
        al = state["al"]
        q = -grad
        for i in range(len(self.dirs) - 1, -1, -1):
            al[i] = dot(self.steps[i], q) * self.ro[i]
            q -= al[i] * self.dirs[i]
        r = q * float(self.h_diag)
        for i in range(len(self.dirs)):
            beta = dot(self.dirs[i], r) * self.ro[i]
            r += (al[i] - beta) * self.steps[i]
        return r

    def save(self, wrap):
        state = self.state
        state["old_dirs"] = [wrap(v) for v in self.dirs]
        state["old_stps"] = [wrap(v) for v in self.steps]
        state["ro"] = list(self.ro)
        state["H_diag"] = self.h_diag
