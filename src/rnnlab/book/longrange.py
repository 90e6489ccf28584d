"""Chapter 2's two training experiments: recall across a growing gap, and gradient clipping.

Shape legend: ``T`` steps, ``B`` batch, ``V`` alphabet size (one-hot width), ``H`` hidden
size, ``G`` number of gaps, ``S`` number of seeds.

:func:`recall_task` — "Jane walked into the room. ... Jane said hi to ___": a symbol is
shown at step 1, ``gap`` random distractor symbols follow, then a query marker, and the
model must name the first symbol at the last step. The distractors come from the same
alphabet (the default) or from a separate one (``n_distractors``); only the latter leaves
no shortcut: with a shared alphabet the most frequent symbol of the sequence is a better
guess than chance. The only path from the answer's
loss back to the evidence is a product of ``gap + 1`` Jacobians, so this is the long-term
dependency of NNDL (6.47)–(6.48) in its plainest form. :func:`gap_sweep` trains a simple
RNN on it for a fixed budget, for several gaps and seeds (with :func:`rnnlab.book.experiments.run`).

:func:`clipping_run` — train a simple RNN from an initialisation whose gradients explode
(all singular values of U equal ``sigma``) on the adding problem, with plain SGD and
optional clipping by global norm or by value (:mod:`rnnlab.train.optim`); a run that reaches a
NaN/inf is stopped and marked ``diverged``.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from .._checks import check_positive_int
from ..data.tasks import adding_problem
from ..data.text import one_hot
from ..grad.diagnostics import state_grad_norms
from ..layers.cells import recurrent_matrix
from ..layers.linear import Linear
from ..layers.rnn import RNN
from ..train.loop import SequenceModel, TrainHistory, train
from ..train.optim import SGD
from ..train.progress import progress_bar
from .experiments import Task, run

__all__ = ["recall_task", "GapSweep", "gap_sweep", "clipping_run"]


def recall_task(gap: int, n_symbols: int = 4, *, n_distractors: int | None = None) -> Task:
    """Recall the first symbol of a sequence when the query marker appears after ``gap`` more.

    Inputs (T = gap + 2 steps): the symbol to recall (id 0..n_symbols-1) at step 1,
    ``gap`` distractors at steps 2..gap+1, the query marker at step T; one-hot of width
    V = n_symbols + 1 (distractors from the same alphabet, ``n_distractors=None``) or
    V = n_symbols + n_distractors + 1 (distractors from a separate alphabet of
    ``n_distractors`` symbols, ids n_symbols..n_symbols+n_distractors-1, which carry no
    information about the answer). The query marker is id V - 1. Target: the symbol of
    step 1, at step T only (``mask``); chance accuracy 1 / n_symbols. Returns a
    :class:`rnnlab.book.experiments.Task` (``sample(B, rng) -> (X (T, B, V), Y (T, B), mask)``).
    """
    gap = check_positive_int(gap, "gap")
    K = check_positive_int(n_symbols, "n_symbols")
    if n_distractors is not None:
        n_distractors = check_positive_int(n_distractors, "n_distractors")
    lo, hi = (0, K) if n_distractors is None else (K, K + n_distractors)  # distractor ids
    V = hi + 1 if n_distractors is not None else K + 1
    T = gap + 2

    def sample(B, rng):
        ids = np.empty((T, B), dtype=np.int64)
        if n_distractors is None:                            # evidence and distractors
            ids[:-1] = rng.integers(0, K, size=(T - 1, B))
        else:
            ids[0] = rng.integers(0, K, size=B)              # the evidence
            ids[1:-1] = rng.integers(lo, hi, size=(T - 2, B))  # the distractors
        ids[-1] = V - 1                                      # the query marker
        Y = np.zeros((T, B), dtype=np.int64)
        Y[-1] = ids[0]
        mask = np.zeros((T, B), dtype=bool)
        mask[-1] = True
        return one_hot(ids, V), Y, mask

    kind = "" if n_distractors is None else f", {n_distractors} separate distractors"
    return Task(f"recall after a gap of {gap}{kind}", V, K, "softmax", "every", sample,
                "accuracy", 0.9, 1 / K)


class GapSweep(NamedTuple):
    """Result of :func:`gap_sweep`.

    gaps (G,); seeds (S,); accuracy (G, S) held-out recall accuracy after training;
    reached (G, S) bool, accuracy >= 0.9; signal (G,) ||dL_T/dh_1|| / ||dL_T/dh_T|| of
    the *untrained* RNN of seed 0 on the task's inputs: how much of the answer's gradient
    reaches the evidence at the start of training; chance 1 / n_symbols; steps, hidden_size;
    eval_size, the number of held-out sequences behind each accuracy. ``median`` (G,): the
    median accuracy over the seeds.
    """

    gaps: np.ndarray
    seeds: np.ndarray
    accuracy: np.ndarray
    reached: np.ndarray
    signal: np.ndarray
    chance: float
    steps: int
    hidden_size: int
    eval_size: int = 256

    @property
    def median(self) -> np.ndarray:
        return np.median(self.accuracy, axis=1)


def gap_sweep(gaps, seeds=(0, 1, 2), *, n_symbols: int = 4, n_distractors: int | None = None,
              hidden_size: int = 16, steps: int = 400, batch_size: int = 32, lr: float = 1e-2,
              clip_norm: float | None = 1.0, eval_size: int = 256,
              progress: bool = True) -> GapSweep:
    """Train a tanh :class:`~rnnlab.layers.rnn.RNN` on :func:`recall_task` for every gap and seed.

    Each run: ``steps`` Adam steps at ``lr`` on batches of ``batch_size``, gradients
    clipped to global norm ``clip_norm``; scored on ``eval_size`` held-out sequences
    (:func:`rnnlab.book.experiments.run`; the same held-out set for every seed). Same budget for
    every gap, so the table shows what the budget buys as the gap grows. ``n_distractors``
    is passed to :func:`recall_task` (None: distractors from the recalled alphabet).
    ``progress`` shows one bar over the training steps of all runs.
    """
    gaps, seeds = list(gaps), list(seeds)
    bar = progress_bar(total=len(gaps) * len(seeds) * steps, desc="gap sweep", disable=not progress)
    acc = np.zeros((len(gaps), len(seeds)))
    signal = np.zeros(len(gaps))
    for i, gap in enumerate(gaps):
        task = recall_task(gap, n_symbols, n_distractors=n_distractors)
        for j, seed in enumerate(seeds):
            bar.set_postfix_str(f"gap {gap}, seed {seed}", refresh=False)
            rec = run("RNN", task, seed=seed, hidden_size=hidden_size, steps=steps,
                      batch_size=batch_size, lr=lr, clip_norm=clip_norm, eval_every=steps,
                      eval_size=eval_size, progress=False, on_step=lambda _step: bar.update(1))
            acc[i, j] = rec.final_accuracy
        layer = RNN(task.input_size, hidden_size, rng=np.random.default_rng(seeds[0]))
        X = task.sample(64, np.random.default_rng(0))[0]
        norms = state_grad_norms(layer, X)  # (T,), entry T-1 is ||dL_T/dh_T|| = 1
        signal[i] = norms[0] / norms[-1]
    bar.close()
    return GapSweep(np.array(gaps), np.array(seeds), acc, acc >= 0.9, signal, 1 / n_symbols,
                    steps, hidden_size, eval_size)


def clipping_run(*, clip_norm: float | None = None, clip_value: float | None = None,
                 sigma: float = 1.2, T: int = 10, hidden_size: int = 16, lr: float = 0.3,
                 steps: int = 400, batch_size: int = 32, seed: int = 0) -> TrainHistory:
    """SGD on the adding problem (T steps) from an exploding start; optional clipping.

    The tanh RNN's U is ``sigma`` times a random orthogonal matrix (every singular value
    is ``sigma`` > 1, the regime where gradients can explode); the output layer reads h_T.
    ``clip_norm``: clip by global norm (Pascanu et al. 2013, Alg. 1); ``clip_value``: clip
    each entry (min-char-rnn). Same initialisation and batches for every call with the same
    ``seed``. Returns the :class:`~rnnlab.train.loop.TrainHistory`; a run whose loss or gradient
    becomes NaN/inf stops there with ``diverged=True`` (the warning that
    :func:`rnnlab.train.loop.train` gives then, and NumPy's overflow warnings on the way, are
    expected here and silenced: the history records the divergence).
    """
    rng = np.random.default_rng(seed)
    layer = RNN(2, hidden_size, rng=rng)
    layer.params["U"][:] = recurrent_matrix(hidden_size, rng, sigma_max=sigma,
                                            kind="orthogonal")
    model = SequenceModel(layer, Linear(hidden_size, 1, rng=rng), loss="mse", target="last")
    data_rng = np.random.default_rng([seed, 1])

    def batches(step):
        return tuple(adding_problem(T, batch_size, data_rng))

    with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return train(model, SGD(lr), batches, steps, clip_norm=clip_norm,
                     clip_value=clip_value, progress=False)
