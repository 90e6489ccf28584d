"""The three recurrent cells by name, and the recurrent matrices the experiments start from.

Shape legend: ``D`` input size, ``H`` hidden size.

:data:`CELLS` maps a name to its layer class; :func:`make_cell` builds one with its recurrent
matrices set to a chosen largest singular value, so that chapters can compare cells at equal
settings; :func:`recurrent_matrix` draws such a matrix.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_dtype, check_positive_int, check_real, check_rng
from .gru import GRU
from .lstm import LSTM
from .rnn import RNN

__all__ = ["CELLS", "GATE_BLOCKS", "make_cell", "count_params", "recurrent_matrix"]

#: the cells by name
CELLS = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}

#: blocks of H rows stacked in W and U: the candidate, plus one per gate (3 LSTM gates, 2 GRU)
GATE_BLOCKS = {"RNN": 1, "GRU": 3, "LSTM": 4}


def count_params(params) -> int:
    """Number of trainable scalars in a ``params`` dict (or dict-like view)."""
    return int(sum(np.size(p) for p in params.values()))


def recurrent_matrix(n: int, rng: np.random.Generator, *, spectral_radius: float | None = None,
                     sigma_max: float | None = None, kind: str = "gaussian",
                     dtype=np.float64) -> np.ndarray:
    """A random (n, n) recurrent matrix U scaled to a chosen spectral radius or sigma_1.

    Give exactly one of ``spectral_radius`` (max |eigenvalue|) or ``sigma_max`` (largest
    singular value, the spectral norm). ``kind="gaussian"``: entries N(0, 1/n), then
    scaled (for such a matrix sigma_1 is about twice the spectral radius);
    ``kind="orthogonal"``: a random orthogonal matrix times the target, so all singular
    values and all |eigenvalues| equal it.
    """
    n = check_positive_int(n, "n")
    rng = check_rng(rng)
    dtype = check_dtype(dtype)  # an int dtype would round every entry (|U_ij| < 1) to 0
    if (spectral_radius is None) == (sigma_max is None):
        raise ValueError("give exactly one of spectral_radius or sigma_max")
    name = "spectral_radius" if sigma_max is None else "sigma_max"
    target = check_real(spectral_radius if sigma_max is None else sigma_max, name)
    if target < 0:
        raise ValueError(f"{name} must be a finite number >= 0; got {target}")
    M = rng.standard_normal((n, n)) / np.sqrt(n)
    if kind == "orthogonal":
        Q, R = np.linalg.qr(M)
        M = Q * np.sign(np.diag(R))  # sign fix: Haar-distributed
        return (target * M).astype(dtype)
    if kind != "gaussian":
        raise ValueError(f"kind must be 'gaussian' or 'orthogonal'; got {kind!r}")
    scale = np.max(np.abs(np.linalg.eigvals(M))) if sigma_max is None else np.linalg.norm(M, 2)
    return (target / scale * M).astype(dtype)


def make_cell(kind: str, D: int, H: int, rng: np.random.Generator, *,
              sigma_1: float | None = None, flat: bool = False, **options):
    """One layer ``CELLS[kind](D, H, rng=rng, **options)``, e.g. ``forget_bias=1.0`` for an
    LSTM or ``reset_after=True`` for a GRU.

    ``sigma_1``: if given, every recurrent matrix (U, or each U_g of a gated cell) gets the
    largest singular value ``sigma_1``. ``flat=True``: it becomes ``sigma_1`` times a random
    orthogonal matrix drawn from ``rng``, so all its singular values equal ``sigma_1``;
    ``flat=False``: it is rescaled and keeps the shape of its spectrum.
    """
    if kind not in CELLS:
        raise ValueError(f"kind must be one of {list(CELLS)}; got {kind!r}")
    check_rng(rng)
    layer = CELLS[kind](D, H, rng=rng, **options)
    if sigma_1 is None:
        return layer
    if check_real(sigma_1, "sigma_1") < 0:
        raise ValueError(f"sigma_1 must be a finite number >= 0; got {sigma_1}")
    for name, U in layer.params.items():
        if name == "U" or name.startswith("U_"):
            if flat:
                U[:] = recurrent_matrix(H, rng, sigma_max=sigma_1, kind="orthogonal")
            else:
                U *= sigma_1 / np.linalg.norm(U, 2)
    return layer
