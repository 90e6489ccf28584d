"""One-step Jacobians of the gated cells, and the LSTM's products of them over many steps.

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size.

The LSTM's state is the pair (h_t, c_t), so the chain rule multiplies 2H x 2H Jacobians

    J_t = d(h_t, c_t)/d(h_{t-1}, c_{t-1}) = [[dh_t/dh_{t-1}, dh_t/dc_{t-1}],
                                             [dc_t/dh_{t-1}, diag(f_t)    ]],

and the total derivative of the cell, with h_k = o_k ⊙ tanh(c_k) moving with c_k, is

    dc_T/dc_k = [0 I] J_T J_{T-1} ... J_{k+1} [diag(o_k ⊙ (1 - tanh^2 c_k)); I].

It is *not* the product of the one-step total derivatives dc_t/dc_{t-1}
(:func:`lstm_cell_jacobian`): each of those lets h_{t-1} move only
through c_{t-1}, while h_{t-1} also depends on h_{t-2} through the output gate o_{t-1}.
:func:`lstm_dc_products` computes both products; they agree when every U_o = 0.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_cache
from ..layers.gru import GRU, GRUCache
from ..layers.lstm import LSTM, LSTMCache
from .gradcheck import numerical_gradient

__all__ = ["direct_cell_jacobian", "lstm_dc_dh", "lstm_cell_jacobian", "lstm_state_jacobian",
           "lstm_dc_products", "gru_state_jacobian"]


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


def lstm_dc_dh(step, params: dict) -> np.ndarray:
    """dc_t/dh_{t-1} (H, H) of a standard LSTM, for one sample.

    ``step``: the fields of step t (i, f, c_tilde, c_prev, ...) for
    one sample, each (H,). h_{t-1} feeds every block of step t; with
    g' = g (1 - g) for a gate g,

        dc_t/dh_{t-1} = diag(c_{t-1} ⊙ f_t') U_f
                        + diag(c~_t ⊙ i_t') U_i
                        + diag(i_t ⊙ (1 - c~_t^2)) U_c .
    """
    s, p = step, params
    return ((s.c_prev * s.f * (1 - s.f))[:, None] * p["U_f"]
            + (s.c_tilde * s.i * (1 - s.i))[:, None] * p["U_i"]
            + (s.i * (1 - s.c_tilde**2))[:, None] * p["U_c"])


def _check_standard_lstm(layer, cache, t: int, first: int, who: str) -> None:
    if not isinstance(layer, LSTM) or layer.peephole or layer.coupled or not layer.forget_gate:
        raise ValueError(f"{who} covers the standard LSTM (6.51)-(6.59) only")
    check_cache(layer, cache, LSTMCache)
    T = len(cache.steps.c)
    if not first <= t <= T:
        raise ValueError(f"t must be a step in {first}..T={T}; got {t}")


def _step(cache, t: int, sample: int):
    """The record of step t (1-based) for one sample: the cache's step fields, each (H,)."""
    return type(cache.steps)(*(field[t - 1, sample] for field in cache.steps))


def lstm_cell_jacobian(layer: LSTM, cache, t: int, *,
                       sample: int = 0) -> np.ndarray:
    """The total derivative dc_t/dc_{t-1} (H, H) of a standard LSTM.

    The one-step total derivative at step t >= 2: c_{t-1} moves
    h_{t-1} = o_{t-1} ⊙ tanh(c_{t-1}) (o_{t-1} does not depend on
    c_{t-1} without peepholes), and h_{t-1} feeds every gate of
    step t:

        dc_t/dc_{t-1} = diag(f_t) + dc_t/dh_{t-1} diag(s_{t-1}),

    with s_{t-1} = dh_{t-1}/dc_{t-1} = o_{t-1} ⊙ (1 - tanh^2 c_{t-1})
    and dc_t/dh_{t-1} from :func:`lstm_dc_dh`. The first term is the
    cell path, the rest the indirect terms through h_{t-1}.
    """
    _check_standard_lstm(layer, cache, t, 2, "lstm_cell_jacobian")
    now, before = (_step(cache, t, sample),
                   _step(cache, t - 1, sample))
    # (H,): s_{t-1} = dh_{t-1}/dc_{t-1}, diagonal
    dh_dc = before.o * (1 - before.tanh_c**2)
    return (np.diag(now.f)
            + lstm_dc_dh(now, layer.params) * dh_dc[None, :])


def lstm_state_jacobian(layer: LSTM, cache, t: int, *,
                        sample: int = 0) -> np.ndarray:
    """J_t = d(h_t, c_t)/d(h_{t-1}, c_{t-1}) (2H, 2H) of an LSTM.

    The standard LSTM at step t in 1..T; rows and columns are ordered
    (h, c). With g' = g (1 - g) for a gate,
    s_t = o_t ⊙ (1 - tanh^2 c_t) and dc_t/dh_{t-1} from
    :func:`lstm_dc_dh`:

        dc_t/dc_{t-1} = diag(f_t)
        dh_t/dh_{t-1} = diag(tanh c_t ⊙ o_t') U_o
                        + diag(s_t) dc_t/dh_{t-1}
        dh_t/dc_{t-1} = diag(s_t ⊙ f_t)
    """
    _check_standard_lstm(layer, cache, t, 1, "lstm_state_jacobian")
    s = _step(cache, t, sample)
    dc_dh = lstm_dc_dh(s, layer.params)  # (H, H)
    slope = s.o * (1 - s.tanh_c**2)  # (H,): dh_t/dc_t, diagonal
    dh_dh = (
        (s.tanh_c * s.o * (1 - s.o))[:, None] * layer.params["U_o"]
        + slope[:, None] * dc_dh)
    return np.block([[dh_dh, np.diag(slope * s.f)],
                     [dc_dh, np.diag(s.f)]])


def lstm_dc_products(layer: LSTM, X: np.ndarray, *, sample: int = 0,
                     ) -> tuple[np.ndarray, np.ndarray]:
    """dc_T/dc_k for k = 1..T (entry k - 1), two ways, each (T, H, H), for X (T, B, D).

    ``via_state``: the exact total derivative, [0 I] J_T ... J_{k+1} [diag(dh_k/dc_k); I]
    with J_t from :func:`lstm_state_jacobian`. ``via_steps``: the product of the one-step
    total derivatives of :func:`lstm_cell_jacobian`, t = T down to
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


def gru_state_jacobian(layer: GRU, cache, t: int, *,
                       sample: int = 0) -> np.ndarray:
    """The one-step Jacobian dh_t/dh_{t-1} (H, H) of a GRU at step t >= 1.

    From (6.66)–(6.69):

        dh_t/dh_{t-1} = diag(z_t) + diag((h_{t-1} - h~_t) ⊙ z_t') U_z
                        + diag((1 - z_t) ⊙ (1 - h~_t^2)) da/dh_{t-1},

    where a is the candidate's net input. With the reset gate before U_h,

        da/dh_{t-1} = U_h (diag(r_t) + diag(h_{t-1} ⊙ r_t') U_r),

    and with it after U_h, where q_t = U_h h_{t-1} + b_Uh (the step record's
    field ``n``),

        da/dh_{t-1} = diag(r_t) U_h + diag(q_t ⊙ r_t') U_r .
    """
    if not isinstance(layer, GRU):
        raise TypeError(f"layer must be a GRU; got {type(layer).__name__}")
    check_cache(layer, cache, GRUCache)
    T = len(cache.H)
    if not 1 <= t <= T:
        raise ValueError(f"t must be a step in 1..T={T}; got {t}")
    s, p = _step(cache, t, sample), layer.params
    sr = s.r * (1 - s.r)
    if layer.reset_after:
        da_dh = s.r[:, None] * p["U_h"] + (s.n * sr)[:, None] * p["U_r"]
    else:
        da_dh = p["U_h"] @ (np.diag(s.r)
                            + (s.h_prev * sr)[:, None] * p["U_r"])
    return (np.diag(s.z)
            + ((s.h_prev - s.h_tilde) * s.z * (1 - s.z))[:, None] * p["U_z"]
            + ((1 - s.z) * (1 - s.h_tilde**2))[:, None] * da_dh)
