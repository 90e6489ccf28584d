"""Long short-term memory, NNDL (6.51)–(6.59), with the variants (6.60)–(6.65).

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size, ``G`` number
of gate blocks (4 for the standard LSTM, 3 without a separate forget gate).

    i_t = sigma(W_i x_t + U_i h_{t-1} + b_i)          input gate
    f_t = sigma(W_f x_t + U_f h_{t-1} + b_f)          forget gate
    o_t = sigma(W_o x_t + U_o h_{t-1} + b_o)          output gate
    c~_t = tanh(W_c x_t + U_c h_{t-1} + b_c)          candidate state
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ c~_t                  memory cell
    h_t = o_t ⊙ tanh(c_t)                             output

Variants (constructor switches):
  ``forget_gate=False``  (6.60)        c_t = c_{t-1} + i_t ⊙ c~_t  (the 1997 LSTM)
  ``peephole=True``      (6.61)–(6.63) the gates also see the cell through diagonal
                                       weights V (stored as vectors (H,)): i_t, f_t see
                                       c_{t-1}; o_t sees c_t (Gers & Schmidhuber 2000)
  ``coupled=True``       (6.64)–(6.65) f_t = 1 - i_t: c_t = (1 - i_t) ⊙ c_{t-1} + i_t ⊙ c~_t
  ``forget_bias``        initial value of b_f (NNDL advises 1 or 2)

For speed the per-gate matrices are stacked into one (G H, D) and one (G H, H) matrix at
the start of each pass, so a step costs one product ``h_prev @ U_all.T``. The layer keeps
its records column-major (each (B, N) array the transpose of contiguous (N, B) memory, see
:meth:`LSTM._columns`), so that every gate block of a step is contiguous;
the step functions read the same for any memory order, and keep the order they are given.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._checks import check_cache, check_real
from .activations import sigmoid
from .base import BPTTResult, Recurrent, uniform_init

__all__ = ["LSTM", "LSTMCache", "LSTMStep", "LSTMSlopes", "LSTMStepGrad",
           "lstm_step_forward", "lstm_step_backward"]


class LSTMStep(NamedTuple):
    """The values of one step, or of all steps stacked along a leading T axis.

    Fields, each (B, H) (or (T, B, H)): h_prev, c_prev the previous state; i, f, o the
    gates (f is 1 - i when coupled and 1 without a forget gate); c_tilde the candidate;
    c the new cell; tanh_c = tanh(c_t).
    """

    h_prev: np.ndarray
    c_prev: np.ndarray
    i: np.ndarray
    f: np.ndarray
    o: np.ndarray
    c_tilde: np.ndarray
    c: np.ndarray
    tanh_c: np.ndarray


class LSTMSlopes(NamedTuple):
    """Derivatives of the step's nonlinearities, each (B, H), computed from the step's
    values as its backward step starts: sig_i, sig_f, sig_o = sigma' = g (1 - g) of each
    gate (sig_f is None without a forget gate); c_tilde = 1 - c~^2; tanh_c = 1 - tanh(c)^2.
    (Computed step by step they stay in the cache; for all steps at once they would be
    five more (T, B, H) arrays written to memory and read back.)"""

    sig_i: np.ndarray
    sig_f: np.ndarray
    sig_o: np.ndarray
    c_tilde: np.ndarray
    tanh_c: np.ndarray


class LSTMCache(NamedTuple):
    """Forward record of :class:`LSTM`: X (T, B, D); h0, c0 (B, H); steps: an
    :class:`LSTMStep` whose fields are (T, B, H); gates (T, B, G H): every step's gate
    values [i, (f,) o, c~] in one array (steps.i, .o, .c_tilde and, with a forget gate,
    .f are views of it); owner: the token of the layer that made it (``bptt`` accepts
    only its own caches)."""

    X: np.ndarray
    h0: np.ndarray
    c0: np.ndarray
    steps: LSTMStep
    gates: np.ndarray
    owner: object = None


class LSTMStepGrad(NamedTuple):
    """What one backward step returns: dA (B, G H) the errors of all gate
    pre-activations; dh_prev, dc_prev (B, H); dc (B, H) the total dL/dc_t."""

    dA: np.ndarray
    dh_prev: np.ndarray
    dc_prev: np.ndarray
    dc: np.ndarray


def lstm_step_forward(a_t: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, U_T: np.ndarray,
                      V: dict, coupled: bool = False,
                      out: tuple | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One LSTM step, (6.51)–(6.59) and variants.

    a_t (B, G H): the precomputed input parts W_g x_t + b_g of the gate blocks in the
    order (i, f, o, c) — or (i, o, c) when there is no separate forget gate; h_prev,
    c_prev (B, H); U_T (H, G H): the stacked U_g, transposed; V: peephole vectors
    {"i", "f", "o"} -> (H,), empty without peepholes; ``coupled``: f = 1 - i.
    Returns h_t (B, H), c_t (B, H) and gates (B, G H) = [i, (f,) o, c~] after their
    nonlinearities. ``out``: optional arrays (h_t, c_t, gates, tanh(c_t)) to write into
    (gates may be a_t itself); the layer passes rows of its (T, B, .) records, so that
    nothing is copied. New arrays follow a_t's memory order (``empty_like``).
    """
    H = h_prev.shape[1]
    h, c, gates, tanh_c = out if out is not None else (
        np.empty_like(c_prev), np.empty_like(c_prev), np.empty_like(a_t), np.empty_like(c_prev))
    A = np.matmul(h_prev, U_T, out=np.empty_like(a_t))  # (B, G H): U_g h_{t-1}, one product
    A += a_t  # + W_g x_t + b_g: the pre-activations of all gate blocks
    if V:  # peepholes: i and f read c_{t-1} (6.61)-(6.62); o reads c_t (6.63), below
        A[:, :H] += c_prev * V["i"]
        if "f" in V:
            A[:, H:2 * H] += c_prev * V["f"]
    sig = slice(0, -2 * H if V else -H)  # the gates i, (f,) and, without peepholes, o
    sigmoid(A[:, sig], out=gates[:, sig])
    np.tanh(A[:, -H:], out=gates[:, -H:])  # the candidate c~
    i, c_tilde = gates[:, :H], gates[:, -H:]
    if gates.shape[1] == 4 * H:
        f = gates[:, H:2 * H]
    else:  # coupled: f = 1 - i (6.64); no forget gate: f = 1 (6.60)
        f = 1 - i if coupled else 1
    np.add(f * c_prev, i * c_tilde, out=c)  # the memory cell c = f ⊙ c_prev + i ⊙ c~
    if V:
        sigmoid(A[:, -2 * H:-H] + c * V["o"], out=gates[:, -2 * H:-H])
    o = gates[:, -2 * H:-H]
    np.multiply(o, np.tanh(c, out=tanh_c), out=h)  # the output h = o ⊙ tanh(c)
    return h, c, gates


def lstm_step_backward(dh: np.ndarray, dc: np.ndarray, s: LSTMStep, d: LSTMSlopes,
                       U_all: np.ndarray, V: dict, coupled: bool = False,
                       out: tuple | None = None) -> LSTMStepGrad:
    """Backward through one LSTM step.

    dh, dc (B, H): total dL/dh_t and the dL/dc_t flowing back from step t+1; s, d: the
    step's values and slopes; U_all (G H, H) the stacked U_g; V, coupled as in
    :func:`lstm_step_forward`; ``out``: optional arrays (dA (B, G H), dc (B, H)) to write
    the results into (the layer passes rows of its records). Returns an
    :class:`LSTMStepGrad`; its dA (B, G H), the error of every gate pre-activation, is what
    all parameter gradients are summed from.
    """
    H = dh.shape[1]
    dA, dc_t = out if out is not None else (np.empty((dh.shape[0], U_all.shape[0]), dh.dtype),
                                            np.empty_like(dc))
    dz_i, dz_o, dz_c = dA[:, :H], dA[:, -2 * H:-H], dA[:, -H:]  # views: the blocks of dA
    np.multiply(dh * s.tanh_c, d.sig_o, out=dz_o)  # through h = o ⊙ tanh(c), then sigma
    dc = np.add(dc, dh * s.o * d.tanh_c, out=dc_t)  # through tanh(c_t): the total dL/dc_t
    if V:
        dc += dz_o * V["o"]  # the output peephole reads c_t
    np.multiply(dc * s.i, d.c_tilde, out=dz_c)  # candidate, through tanh
    np.multiply(dc * (s.c_tilde - s.c_prev if coupled else s.c_tilde), d.sig_i,
                out=dz_i)  # input gate, through sigma (coupled: f = 1 - i)
    dc_prev = dc * s.f  # the cell path: diag(f_t)
    if d.sig_f is not None:
        dz_f = dA[:, H:2 * H]
        np.multiply(dc * s.c_prev, d.sig_f, out=dz_f)  # forget gate, through sigma
    if V:
        dc_prev = dc_prev + dz_i * V["i"] + (dz_f * V["f"] if "f" in V else 0)
    dh_prev = np.matmul(dA, U_all, out=np.empty_like(dh))  # all blocks' U_g^T dz_g at once
    return LSTMStepGrad(dA, dh_prev, dc_prev, dc)


class LSTM(Recurrent):
    """LSTM layer (see the module docstring for the equations and the variants).

    Parameters (``params``): ``W_g`` (H, D), ``U_g`` (H, H), ``b_g`` (H,) for each gate
    block g in i, f, o, c (no f when ``forget_gate=False`` or ``coupled=True``), and
    ``V_i, V_f, V_o`` (H,) with ``peephole=True`` (no V_f without an f gate).
    State: the pair (h, c). ``forget_bias`` sets the initial b_f (default 1.0).
    """

    n_states = 2

    def __init__(self, input_size: int, hidden_size: int, *, rng: np.random.Generator,
                 forget_gate: bool = True, peephole: bool = False, coupled: bool = False,
                 forget_bias: float = 1.0, dtype=np.float64):
        super().__init__(input_size, hidden_size, rng, dtype)
        forget_bias = check_real(forget_bias, "forget_bias")
        if coupled and not forget_gate:
            raise ValueError("coupled=True replaces the forget gate by 1 - i; "
                             "it cannot be combined with forget_gate=False")
        if (coupled or not forget_gate) and forget_bias != 1.0:
            no_f = "coupled=True (f = 1 - i)" if coupled else "forget_gate=False (f = 1)"
            raise ValueError(f"forget_bias={forget_bias:g} sets b_f, but with {no_f} there is "
                             "no forget gate and no b_f; leave forget_bias at its default 1.0")
        self.forget_gate, self.peephole, self.coupled = forget_gate, peephole, coupled
        self.blocks = ("i", "f", "o", "c") if forget_gate and not coupled else ("i", "o", "c")
        D, H = self.input_size, self.hidden_size
        for g in self.blocks:
            self._shapes |= {f"W_{g}": (H, D), f"U_{g}": (H, H), f"b_{g}": (H,)}
            self.params[f"W_{g}"] = uniform_init(rng, (H, D), H, self.dtype)
            self.params[f"U_{g}"] = uniform_init(rng, (H, H), H, self.dtype)
            self.params[f"b_{g}"] = np.zeros(H, self.dtype)
        if "f" in self.blocks:
            self.params["b_f"][:] = forget_bias
        if peephole:
            for g in ("i", "f", "o") if "f" in self.blocks else ("i", "o"):
                self._shapes[f"V_{g}"] = (H,)
                self.params[f"V_{g}"] = uniform_init(rng, (H,), H, self.dtype)

    def _columns(self, *shape: int) -> np.ndarray:
        """A record for one pass: an uninitialised array of ``shape`` (..., B, N) whose
        memory is column-major — the transpose of contiguous (..., N, B) blocks, one column
        per example as in NNDL's z = U h + W x + b — taken from the layer's
        :class:`~rnnlab.workspace.Workspace`. A slice of N-wide gate blocks of such an array
        is contiguous, so element-wise gate arithmetic on it runs at full speed (NumPy
        follows the memory order); a (B, G H) row slice would be strided."""
        *lead, B, N = shape
        return self._workspace.empty((*lead, N, B), self.dtype).swapaxes(-1, -2)

    def _rows(self, R: np.ndarray) -> np.ndarray:
        """A (T, B, N) record as one (T B, N) matrix for the bulk products: the view of a
        contiguous (N, T, B) copy (one pass over memory; no copy of a C-ordered R)."""
        T, B, N = R.shape
        if R.flags.c_contiguous:
            return R.reshape(T * B, N)
        M = self._workspace.empty((N, T, B), R.dtype)
        np.copyto(M, R.transpose(2, 0, 1))
        return M.reshape(N, T * B).T

    def _stacked(self) -> tuple:
        p = self.params
        W_all = np.concatenate([p[f"W_{g}"] for g in self.blocks])  # (G H, D)
        U_all = np.concatenate([p[f"U_{g}"] for g in self.blocks])  # (G H, H)
        b_all = np.concatenate([p[f"b_{g}"] for g in self.blocks])  # (G H,)
        V = {g: p[f"V_{g}"] for g in ("i", "f", "o") if f"V_{g}" in p}
        return W_all, U_all, b_all, V

    def forward(self, X: np.ndarray, state=None) -> tuple[np.ndarray, LSTMCache]:
        """X (T, B, D), state None or (h0, c0) each (B, H) -> H (T, B, H) and the cache."""
        X = self._check_X(X)
        T, B, _ = X.shape
        Hn = self.hidden_size
        h0, c0 = self._check_state(state, B)
        W_all, U_all, b_all, V = self._stacked()
        G = len(self.blocks) * Hn
        A_in = np.matmul(X, W_all.T, out=self._columns(T, B, G))  # (T, B, G H): one product
        b_rows = self._columns(B, G)  # b_all in every row, in A_in's memory order, so that
        b_rows[:] = b_all  # the sum below runs over contiguous memory
        A_in += b_rows  # the input parts W_g x_t + b_g of all gates, all steps
        H, C = self._columns(2, T + 1, B, Hn)  # h_t and c_t for t = 0..T
        H[0], C[0] = h0, c0
        gates, tanh_C = A_in, self._columns(T, B, Hn)  # step t + 1 overwrites A_in[t]
        for t in range(T):  # step t + 1 reads row t of the records and fills the next rows
            lstm_step_forward(A_in[t], H[t], C[t], U_all.T, V, self.coupled,
                              out=(H[t + 1], C[t + 1], gates[t], tanh_C[t]))
        steps = self._steps(gates, H, C, tanh_C)
        return H[1:], LSTMCache(X, h0, c0, steps, gates, self._token)

    def _steps(self, gates, H, C, tanh_C) -> LSTMStep:
        """All steps' values as one LSTMStep of (T, B, H) views and arrays; H, C (T + 1,
        B, H) hold h_0..h_T and c_0..c_T, so h_prev and c_prev are views too."""
        Hn = self.hidden_size
        i, o, c_tilde = gates[..., :Hn], gates[..., -2 * Hn:-Hn], gates[..., -Hn:]
        if "f" in self.blocks:
            f = gates[..., Hn:2 * Hn]
        else:
            f = 1 - i if self.coupled else np.ones_like(i)
        return LSTMStep(H[:-1], C[:-1], i, f, o, c_tilde, C[1:], tanh_C)

    def final_state(self, cache: LSTMCache) -> tuple[np.ndarray, np.ndarray]:
        """(h_T, c_T), each (B, H), from a cache made by this layer's forward."""
        check_cache(self, cache, LSTMCache)
        s = cache.steps
        return s.o[-1] * s.tanh_c[-1], s.c[-1]

    def bptt(self, dH: np.ndarray, cache: LSTMCache, dstate_T=None) -> BPTTResult:
        """Backpropagation through time (exercise 6-4 derives it).

        dH (T, B, H): dL/dh_t from the loss at each step; dstate_T: optional (dh_T, dc_T).
        Returns a :class:`BPTTResult` with dstate0 = (dh0, dc0) and dC_total (T, B, H).
        """
        self._check_cache(cache, LSTMCache)
        X, s = cache.X, cache.steps
        T, B, Hn = s.c.shape
        dH = self._check_dH(dH, s.c.shape)
        dh_next, dc_next = self._check_dstate(dstate_T, B)
        W_all, U_all, _, V = self._stacked()
        G = len(self.blocks) * Hn
        # dA (T, B, G H), the errors of all pre-activations, in (G H, T, B) memory: each
        # step's (B, G H) slice is a column block, and all steps are one (T B, G H) matrix
        dA = self._workspace.empty((G, T, B), self.dtype).transpose(1, 2, 0)
        U_F = np.asfortranarray(U_all)  # in dA's memory order: a faster per-step product
        dH_total, dC_total = self._columns(2, T, B, Hn)
        np.copyto(dH_total, dH)  # dH in the records' memory order; the loop adds to it
        for t in reversed(range(T)):
            dh = np.add(dH_total[t], dh_next, out=dH_total[t])  # the total dL/dh_t
            st = LSTMStep(*(f[t] for f in s))  # step t's values, each (B, H)
            sg = cache.gates[t, :, :-Hn]  # the gates i, (f,) o side by side
            sg = sg * (1 - sg)  # sigma' = g (1 - g) of all of them at once
            d = LSTMSlopes(sg[:, :Hn], sg[:, Hn:2 * Hn] if "f" in self.blocks else None,
                           sg[:, -Hn:], 1 - st.c_tilde**2, 1 - st.tanh_c**2)
            g = lstm_step_backward(dh, dc_next, st, d, U_F, V, self.coupled,
                                   out=(dA[t], dC_total[t]))
            dh_next, dc_next = g.dh_prev, g.dc_prev
        dA2 = dA.reshape(T * B, G)  # (T B, G H): a view
        dW_all = dA2.T @ X.reshape(T * B, -1)  # (G H, D)
        dU_all = dA2.T @ self._rows(s.h_prev)  # (G H, H)
        db_all = dA2.sum(axis=0)
        grads = {}
        for k, g in enumerate(self.blocks):
            rows = slice(k * Hn, (k + 1) * Hn)
            grads[f"W_{g}"], grads[f"U_{g}"] = dW_all[rows], dU_all[rows]
            grads[f"b_{g}"] = db_all[rows]
        for g in V:
            k = self.blocks.index(g)
            cell = s.c if g == "o" else s.c_prev  # o sees c_t; i, f see c_{t-1}
            grads[f"V_{g}"] = (dA[..., k * Hn:(k + 1) * Hn] * cell).sum(axis=(0, 1))
        dX = (dA2 @ W_all).reshape(T, B, -1)  # (T, B, D): one product for all steps
        return BPTTResult(dX, (dh_next, dc_next), grads, dH_total, dC_total)
