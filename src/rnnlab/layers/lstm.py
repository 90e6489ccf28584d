"""Long short-term memory, NNDL (6.51)–(6.59), with the variants (6.60)–(6.64).

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size, ``G`` number
of gate blocks (4: i, f, o, c; 3 without a separate forget gate: i, o, c).

    c~_t = tanh(W_c x_t + U_c h_{t-1} + b_c)          (6.53)  candidate state
    i_t = sigma(W_i x_t + U_i h_{t-1} + b_i)          (6.54)  input gate
    f_t = sigma(W_f x_t + U_f h_{t-1} + b_f)          (6.55)  forget gate
    o_t = sigma(W_o x_t + U_o h_{t-1} + b_o)          (6.56)  output gate
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ c~_t                  (6.51)  memory cell
    h_t = o_t ⊙ tanh(c_t)                             (6.52)  output

(6.57)–(6.59) write the same step with the four blocks stacked into one matrix.

Variants (explicit switches of the step functions and the layer):
  ``forget_gate=False``  (6.60)        c_t = c_{t-1} + i_t ⊙ c~_t  (the 1997 LSTM)
  ``peephole=True``      (6.61)–(6.63) the gates also see the cell through diagonal
                                       weights V (stored as vectors (H,)): i_t, f_t see
                                       c_{t-1}; o_t sees c_t (Gers & Schmidhuber 2000)
  ``coupled=True``       (6.64)        f_t = 1 - i_t: c_t = (1 - i_t) ⊙ c_{t-1} + i_t ⊙ c~_t
  ``forget_bias``        initial value of b_f (NNDL advises 1 or 2)

:func:`lstm_step_forward` and :func:`lstm_step_backward` are one step of the book, gate
by gate. The layer runs the same equations over a sequence with two speed-ups: the gate
blocks are stacked as in (6.57), so a step needs one product with the recurrent weights
instead of four, and the input terms W x_t + b of all steps are one matrix product before
the loop.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._checks import check_cache, check_real
from .activations import sigmoid
from .base import BPTTResult, Recurrent, input_terms, uniform_init

__all__ = ["LSTM", "LSTMCache", "LSTMStep", "LSTMStepCache", "LSTMStepGrads",
           "lstm_step_forward", "lstm_step_backward"]


class LSTMStepCache(NamedTuple):
    """What :func:`lstm_step_backward` needs from one forward step.

    x_t (B, D); h_prev, c_prev (B, H) the previous state; i, f, o (B, H) the gates (f is
    1 - i when coupled, and 1 without a forget gate); c_tilde (B, H) the candidate; c (B, H)
    the new cell; tanh_c (B, H) = tanh(c_t); p: the parameters; the three variant switches.
    """

    x_t: np.ndarray
    h_prev: np.ndarray
    c_prev: np.ndarray
    i: np.ndarray
    f: np.ndarray
    o: np.ndarray
    c_tilde: np.ndarray
    c: np.ndarray
    tanh_c: np.ndarray
    p: dict
    forget_gate: bool
    peephole: bool
    coupled: bool


class LSTMStepGrads(NamedTuple):
    """Gradients of one step: dx_t (B, D); dh_prev, dc_prev (B, H); grads: this step's
    share of dL/d(parameter), keyed like the parameters (``W_i`` (H, D), ...)."""

    dx_t: np.ndarray
    dh_prev: np.ndarray
    dc_prev: np.ndarray
    grads: dict


def lstm_step_forward(
    x_t: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, p: dict, *,
    forget_gate: bool = True, peephole: bool = False, coupled: bool = False,
) -> tuple[np.ndarray, np.ndarray, LSTMStepCache]:
    """One LSTM step, NNDL (6.51)–(6.56), and the variants (6.60)–(6.64).

    Shapes: B batch, D input size, H hidden size.
    x_t (B, D) the inputs of step t; h_prev, c_prev (B, H) the state
    (h_{t-1}, c_{t-1}); p: the parameters by NNDL name, ``W_g`` (H, D),
    ``U_g`` (H, H), ``b_g`` (H,) for each gate block g in i, f, o, c (no f
    when coupled or without a forget gate) and, with peepholes, ``V_i``,
    ``V_f``, ``V_o`` (H,) (no V_f without an f block).
    Returns h_t (B, H), c_t (B, H) and the step's cache.
    """
    # the net input of gate block g, (B, H): W_g x_t + U_g h_{t-1} + b_g
    def net(g):
        return x_t @ p[f"W_{g}"].T + h_prev @ p[f"U_{g}"].T + p[f"b_{g}"]

    z_i, z_o, z_c = net("i"), net("o"), net("c")
    if peephole:
        z_i = z_i + p["V_i"] * c_prev  # (6.61) the input gate sees c_{t-1}
    i_t = sigmoid(z_i)  # (6.54) input gate
    if coupled:
        # (6.64) what is written replaces what is forgotten
        f_t = 1 - i_t
    elif not forget_gate:
        # (6.60) no forget gate: the cell is always kept
        f_t = np.ones_like(i_t)
    else:
        z_f = net("f")
        if peephole:
            # (6.62) the forget gate sees c_{t-1}
            z_f = z_f + p["V_f"] * c_prev
        f_t = sigmoid(z_f)  # (6.55) forget gate
    c_tilde = np.tanh(z_c)  # (6.53) candidate state
    # (6.51) memory cell; the variants (6.60), (6.64) enter through f_t above
    c_t = f_t * c_prev + i_t * c_tilde
    if peephole:
        z_o = z_o + p["V_o"] * c_t  # (6.63) the output gate sees c_t
    o_t = sigmoid(z_o)  # (6.56) output gate
    tanh_c = np.tanh(c_t)
    h_t = o_t * tanh_c  # (6.52) output
    cache = LSTMStepCache(x_t, h_prev, c_prev, i_t, f_t, o_t, c_tilde, c_t,
                          tanh_c, p, forget_gate, peephole, coupled)
    return h_t, c_t, cache


def lstm_step_backward(dh_t: np.ndarray, dc_t: np.ndarray,
                       cache: LSTMStepCache) -> LSTMStepGrads:
    """Backward through one LSTM step (exercise 6-4 derives it).

    Shapes: B batch, D input size, H hidden size.
    dh_t (B, H) the total dL/dh_t (from the loss at step t and from
    step t + 1); dc_t (B, H) the dL/dc_t that flows back from step
    t + 1 through its cell path; cache: the :class:`LSTMStepCache` of
    :func:`lstm_step_forward`.
    Returns :class:`LSTMStepGrads`: dx_t (B, D), dh_prev, dc_prev
    (B, H), and this step's share of every parameter gradient; BPTT
    sums the shares over all steps.
    """
    s, p = cache, cache.p
    # dz_g (B, H): the error of gate g's net input, through its sigma
    # or tanh; the output gate's comes through h_t = o_t ⊙ tanh(c_t)
    dz_o = dh_t * s.tanh_c * s.o * (1 - s.o)
    # the total dL/dc_t: through h_t, and from step t + 1
    dc = dc_t + dh_t * s.o * (1 - s.tanh_c**2)
    if s.peephole:
        # via the output gate's peephole (6.63)
        dc = dc + dz_o * p["V_o"]
    dz_c = dc * s.i * (1 - s.c_tilde**2)  # candidate, through tanh
    if s.coupled:
        # i_t writes c~_t and, through f_t = 1 - i_t, erases c_{t-1}
        dz_i = dc * (s.c_tilde - s.c_prev) * s.i * (1 - s.i)
    else:
        dz_i = dc * s.c_tilde * s.i * (1 - s.i)  # input gate
    # the cell path: diag(f_t), the identity without a forget gate
    dc_prev = dc * s.f
    dz = {"i": dz_i, "o": dz_o, "c": dz_c}
    if s.forget_gate and not s.coupled:
        dz["f"] = dc * s.c_prev * s.f * (1 - s.f)  # forget gate
    if s.peephole:  # i_t and f_t see c_{t-1} (6.61)-(6.62)
        dc_prev = dc_prev + dz_i * p["V_i"]
        if "f" in dz:
            dc_prev = dc_prev + dz["f"] * p["V_f"]
    dh_prev = sum(dz[g] @ p[f"U_{g}"] for g in dz)  # sum U_g^T dz_g
    dx_t = sum(dz[g] @ p[f"W_{g}"] for g in dz)  # sum W_g^T dz_g
    grads = {}
    for g in dz:  # each summed over the batch B
        grads[f"W_{g}"] = dz[g].T @ s.x_t  # dz_g x_t^T
        grads[f"U_{g}"] = dz[g].T @ s.h_prev  # dz_g h_{t-1}^T
        grads[f"b_{g}"] = dz[g].sum(axis=0)  # dz_g
    if s.peephole:  # o_t sees c_t; i_t, f_t see c_{t-1}
        grads["V_o"] = (dz_o * s.c).sum(axis=0)
        for g in ("i", "f") if "f" in dz else ("i",):
            grads[f"V_{g}"] = (dz[g] * s.c_prev).sum(axis=0)
    grads = {name: grads[name] for name in p}  # in the order of p
    return LSTMStepGrads(dx_t, dh_prev, dc_prev, grads)


class LSTMStep(NamedTuple):
    """The values of all steps, each field (T, B, H) with step t at index t - 1:
    h_prev, c_prev the previous state; i, f, o the gates (f is 1 - i when coupled and 1
    without a forget gate); c_tilde the candidate; c the new cell; tanh_c = tanh(c_t)."""

    h_prev: np.ndarray
    c_prev: np.ndarray
    i: np.ndarray
    f: np.ndarray
    o: np.ndarray
    c_tilde: np.ndarray
    c: np.ndarray
    tanh_c: np.ndarray


class LSTMCache(NamedTuple):
    """Forward record of :class:`LSTM`: X (T, B, D); h0, c0 (B, H); steps: an
    :class:`LSTMStep` of (T, B, H) arrays; owner: the token of the layer that made it
    (``bptt`` accepts only its own caches)."""

    X: np.ndarray
    h0: np.ndarray
    c0: np.ndarray
    steps: LSTMStep
    owner: object = None


class LSTM(Recurrent):
    """LSTM layer (see the module docstring for the equations and the variants).

    Shapes: T steps, B batch, D input size, H hidden size.
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

    def _variant(self) -> dict:
        """The switches as keyword arguments of the step functions."""
        return {"forget_gate": self.forget_gate, "peephole": self.peephole,
                "coupled": self.coupled}

    def _stacked(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The gate blocks stacked as in (6.57), in the order of ``self.blocks``:
        W (G H, D) = [W_i; W_f; W_o; W_c], U (G H, H), b (G H,)."""
        p = self.params
        return tuple(np.concatenate([p[f"{m}_{g}"] for g in self.blocks]) for m in "WUb")

    def forward(self, X: np.ndarray, state=None) -> tuple[np.ndarray, LSTMCache]:
        """Run the LSTM over a sequence (shapes: T steps, B batch, D input, H hidden).

        X (T, B, D); state None (zeros) or (h0, c0), each (B, H). Returns H (T, B, H), the
        outputs h_1..h_T (a copy: editing it does not change the cache), and the cache.
        """
        X = self._check_X(X)
        T, B, _ = X.shape
        Hn = self.hidden_size
        h0, c0 = self._check_state(state, B)
        p = self.params
        W, U, b = self._stacked()  # (G H, D), (G H, H), (G H,)
        col = {g: slice(k * Hn, (k + 1) * Hn) for k, g in enumerate(self.blocks)}
        # A starts as the input terms W_g x_t + b_g of every block and step (one product);
        # step t reads A[t], then overwrites it with its gate values i, f, o, c~: the gates
        # need no array of their own
        A = input_terms(X, W, b)  # (T, B, G H)
        U_T = U.T.copy()  # (H, G H), U^T row by row: BLAS runs h @ U_T faster than h @ U.T
        I, O, C_tilde = A[..., col["i"]], A[..., col["o"]], A[..., col["c"]]  # (T, B, H) views
        if "f" in col:
            F = A[..., col["f"]]
        else:
            F = np.empty((T, B, Hn), self.dtype)
        Hs, C = np.empty((2, T + 1, B, Hn), self.dtype)  # h_0..h_T and c_0..c_T
        tanh_C = np.empty((T, B, Hn), self.dtype)
        Hs[0], C[0] = h0, c0
        for t in range(T):  # the equations of lstm_step_forward, on the stacked blocks
            h_prev, c_prev = Hs[t], C[t]
            z = A[t] + h_prev @ U_T  # (B, G H): every block's net input, one product
            z_i, z_o, z_c = z[:, col["i"]], z[:, col["o"]], z[:, col["c"]]
            if self.peephole:
                z_i = z_i + p["V_i"] * c_prev  # (6.61)
            I[t] = sigmoid(z_i)  # (6.54) input gate
            if self.coupled:
                F[t] = 1 - I[t]  # (6.64)
            elif not self.forget_gate:
                F[t] = 1  # (6.60)
            else:
                z_f = z[:, col["f"]]
                if self.peephole:
                    z_f = z_f + p["V_f"] * c_prev  # (6.62)
                F[t] = sigmoid(z_f)  # (6.55) forget gate
            C_tilde[t] = np.tanh(z_c)  # (6.53) candidate state
            C[t + 1] = F[t] * c_prev + I[t] * C_tilde[t]  # (6.51) memory cell
            if self.peephole:
                z_o = z_o + p["V_o"] * C[t + 1]  # (6.63)
            O[t] = sigmoid(z_o)  # (6.56) output gate
            tanh_C[t] = np.tanh(C[t + 1])
            Hs[t + 1] = O[t] * tanh_C[t]  # (6.52) output
        steps = LSTMStep(Hs[:-1], C[:-1], I, F, O, C_tilde, C[1:], tanh_C)
        return Hs[1:].copy(), LSTMCache(X, h0, c0, steps, self._token)

    def final_state(self, cache: LSTMCache) -> tuple[np.ndarray, np.ndarray]:
        """(h_T, c_T), each (B, H) and a copy, from a cache made by this layer's forward."""
        check_cache(self, cache, LSTMCache)
        s = cache.steps
        return s.o[-1] * s.tanh_c[-1], s.c[-1].copy()

    def bptt(self, dH: np.ndarray, cache: LSTMCache, dstate_T=None) -> BPTTResult:
        """Backpropagation through time (exercise 6-4 derives it).

        Shapes: T steps, B batch, D input size, H hidden size, G gate blocks.
        dH (T, B, H): dL/dh_t from the loss at each step; dstate_T: optional (dh_T, dc_T).
        Returns a :class:`BPTTResult` with dstate0 = (dh0, dc0) and dC_total (T, B, H).
        The loop runs t = T..1 with the equations of :func:`lstm_step_backward` and stores
        the errors dZ (T, B, G H) of all gate blocks; the parameter gradients, sums over all
        steps, are formed after the loop, each as one matrix product.
        """
        self._check_cache(cache, LSTMCache)
        X, s = cache.X, cache.steps
        T, B, Hn = s.c.shape
        dH = self._check_dH(dH, s.c.shape)
        dh_next, dc_next = self._check_dstate(dstate_T, B)
        p = self.params
        W, U, _ = self._stacked()
        col = {g: slice(k * Hn, (k + 1) * Hn) for k, g in enumerate(self.blocks)}
        dZ = np.empty((T, B, len(self.blocks) * Hn), self.dtype)  # dz_t of all blocks
        dH_total, dC_total = np.empty((2, T, B, Hn), self.dtype)
        for t in reversed(range(T)):
            i, f, o, c_tilde = s.i[t], s.f[t], s.o[t], s.c_tilde[t]
            c_prev, tanh_c = s.c_prev[t], s.tanh_c[t]
            dh = dH[t] + dh_next  # total dL/dh_t: the loss at t and everything after t
            dz_o = dh * tanh_c * o * (1 - o)  # through h_t = o_t ⊙ tanh(c_t)
            dc = dc_next + dh * o * (1 - tanh_c**2)  # total dL/dc_t
            if self.peephole:
                dc += dz_o * p["V_o"]  # (6.63)
            dZ[t, :, col["o"]] = dz_o
            dZ[t, :, col["c"]] = dc * i * (1 - c_tilde**2)  # candidate
            if self.coupled:
                dZ[t, :, col["i"]] = dc * (c_tilde - c_prev) * i * (1 - i)  # f_t = 1 - i_t
            else:
                dZ[t, :, col["i"]] = dc * c_tilde * i * (1 - i)  # input gate
            dc_next = dc * f  # the cell path: diag(f_t)
            if "f" in col:
                dZ[t, :, col["f"]] = dc * c_prev * f * (1 - f)  # forget gate
            if self.peephole:  # (6.61)-(6.62)
                dc_next += dZ[t, :, col["i"]] * p["V_i"]
                if "f" in col:
                    dc_next += dZ[t, :, col["f"]] * p["V_f"]
            dh_next = dZ[t] @ U  # every block's U_g^T dz_g, one product
            dH_total[t], dC_total[t] = dh, dc
        # the parameter gradients: sums over all steps and examples, one product each
        dZ2 = dZ.reshape(T * B, -1)  # (T B, G H)
        dW = dZ2.T @ X.reshape(T * B, -1)  # (G H, D): the stacked dW_g
        dU = dZ2.T @ s.h_prev.reshape(T * B, Hn)  # (G H, H): the stacked dU_g
        db = dZ2.sum(axis=0)  # (G H,)
        grads = {}
        for g in self.blocks:
            grads |= {f"W_{g}": dW[col[g]], f"U_{g}": dU[col[g]], f"b_{g}": db[col[g]]}
        if self.peephole:  # o_t sees c_t; i_t, f_t see c_{t-1}
            for g in ("i", "f", "o"):
                if g in col:
                    cell = s.c if g == "o" else s.c_prev
                    grads[f"V_{g}"] = (dZ[..., col[g]] * cell).sum(axis=(0, 1))
        grads = {name: grads[name] for name in p}  # in the order of params
        dX = (dZ2 @ W).reshape(T, B, -1)  # (T, B, D): every W_g^T dz_g, one product
        return BPTTResult(dX, (dh_next, dc_next), grads, dH_total, dC_total)
