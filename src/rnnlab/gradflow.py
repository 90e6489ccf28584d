"""Gradient flow through the LSTM's two-part state (h, c), NNDL (6.51)–(6.59): chapter 3.

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size.

The LSTM's state is the pair (h_t, c_t), so the chain rule multiplies 2H x 2H Jacobians

    J_t = d(h_t, c_t)/d(h_{t-1}, c_{t-1}) = [[dh_t/dh_{t-1}, dh_t/dc_{t-1}],
                                             [dc_t/dh_{t-1}, diag(f_t)    ]],

and the total derivative of the cell, with h_k = o_k ⊙ tanh(c_k) moving with c_k, is

    dc_T/dc_k = [0 I] J_T J_{T-1} ... J_{k+1} [diag(o_k ⊙ (1 - tanh^2 c_k)); I].

It is *not* the product of the one-step total derivatives dc_t/dc_{t-1}
(:func:`rnnlab.experiments.lstm_cell_jacobian`): each of those lets h_{t-1} move only
through c_{t-1}, while h_{t-1} also depends on h_{t-2} through the output gate o_{t-1}.
:func:`lstm_dc_products` computes both products; they agree when every U_o = 0.
"""

from __future__ import annotations

import numpy as np

from .experiments import lstm_cell_jacobian
from .gradcheck import numerical_gradient
from .lstm import LSTM

__all__ = ["direct_cell_jacobian", "lstm_state_jacobian", "lstm_dc_products"]


def direct_cell_jacobian(layer: LSTM, x: np.ndarray, h_prev: np.ndarray,
                         c_prev: np.ndarray) -> np.ndarray:
    """dc_t/dc_{t-1} (H, H) of one step with h_{t-1} held fixed, by central differences.

    x (1, 1, D); h_prev, c_prev (1, H): one sample. Only the layer's forward pass is used,
    so it covers every variant (no forget gate, peepholes, coupled gates). Five-point
    differences with eps = 1e-4: accurate to about 1e-12 in float64.
    """
    H = layer.hidden_size
    if np.shape(x) != (1, 1, layer.input_size) or np.shape(h_prev) != (1, H) \
            or np.shape(c_prev) != (1, H):
        raise ValueError(f"need x (1, 1, D={layer.input_size}), h_prev and c_prev (1, H={H}); "
                         f"got {np.shape(x)}, {np.shape(h_prev)}, {np.shape(c_prev)}")
    c_prev = np.array(c_prev, dtype=np.float64)  # perturbed in place, a copy
    J = np.empty((H, H))
    for j in range(H):
        def c_j(j=j):
            return layer.forward(x, (h_prev, c_prev))[1].steps.c[0, 0, j]
        J[j] = numerical_gradient(c_j, c_prev, eps=1e-4, order=4)[0]
    return J


def lstm_state_jacobian(layer: LSTM, cache, t: int, *, sample: int = 0) -> np.ndarray:
    """J_t = d(h_t, c_t)/d(h_{t-1}, c_{t-1}) (2H, 2H) of a standard LSTM at step t in 1..T.

    Rows and columns are ordered (h, c). With g' = g (1 - g) for a gate and
    s_t = o_t ⊙ (1 - tanh^2 c_t):

        dc_t/dh_{t-1} = diag(c_{t-1} ⊙ f_t') U_f + diag(c~_t ⊙ i_t') U_i
                        + diag(i_t ⊙ (1 - c~_t^2)) U_c
        dc_t/dc_{t-1} = diag(f_t)
        dh_t/dh_{t-1} = diag(tanh c_t ⊙ o_t') U_o + diag(s_t) dc_t/dh_{t-1}
        dh_t/dc_{t-1} = diag(s_t ⊙ f_t)
    """
    if layer.peephole or layer.coupled or not layer.forget_gate:
        raise ValueError("lstm_state_jacobian covers the standard LSTM (6.51)-(6.59) only")
    T = len(cache.steps.c)
    if not 1 <= t <= T:
        raise ValueError(f"t must be a step in 1..T={T}; got {t}")
    s = type(cache.steps)(*(field[t - 1, sample] for field in cache.steps))  # each (H,)
    p = layer.params
    dc_dh = ((s.c_prev * s.f * (1 - s.f))[:, None] * p["U_f"]
             + (s.c_tilde * s.i * (1 - s.i))[:, None] * p["U_i"]
             + (s.i * (1 - s.c_tilde**2))[:, None] * p["U_c"])  # (H, H)
    slope = s.o * (1 - s.tanh_c**2)  # (H,): dh_t/dc_t, diagonal
    dh_dh = (s.tanh_c * s.o * (1 - s.o))[:, None] * p["U_o"] + slope[:, None] * dc_dh
    return np.block([[dh_dh, np.diag(slope * s.f)], [dc_dh, np.diag(s.f)]])


def lstm_dc_products(layer: LSTM, X: np.ndarray, *, sample: int = 0,
                     ) -> tuple[np.ndarray, np.ndarray]:
    """dc_T/dc_k for k = 1..T (entry k - 1), two ways, each (T, H, H), for X (T, B, D).

    ``via_state``: the exact total derivative, [0 I] J_T ... J_{k+1} [diag(dh_k/dc_k); I]
    with J_t from :func:`lstm_state_jacobian`. ``via_steps``: the product of the one-step
    total derivatives of :func:`rnnlab.experiments.lstm_cell_jacobian`, t = T down to
    k + 1, which misses the paths through the output gates. Entry k = T is I in both.
    """
    _, cache = layer.forward(X)
    T, H = len(X), layer.hidden_size
    s = cache.steps
    J, P = np.eye(2 * H), np.eye(H)
    via_state, via_steps = np.empty((T, H, H)), np.empty((T, H, H))
    via_state[-1] = via_steps[-1] = np.eye(H)
    for k in range(T - 1, 0, -1):  # J = J_T ... J_{k+1}, P = the one-step product
        J = J @ lstm_state_jacobian(layer, cache, k + 1, sample=sample)
        P = P @ lstm_cell_jacobian(layer, cache, k + 1, sample=sample)
        dh_dc = s.o[k - 1, sample] * (1 - s.tanh_c[k - 1, sample] ** 2)  # (H,), diagonal
        via_state[k - 1] = J[H:, :H] * dh_dc[None, :] + J[H:, H:]
        via_steps[k - 1] = P
    return via_state, via_steps
