"""The long-range memory experiment of chapters 3–4 (and exercise 6-1P): train, time, compare.

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size, ``K`` output
size.

A *task* (:class:`Task`) is a source of batches from :mod:`rnnlab.data` plus how to score a
model on it: :func:`adding_task` (regression, scored by MSE) or :func:`copy_memory_task`
(classification, scored by recall accuracy). :func:`run` trains one cell on one task for a
fixed budget of Adam steps with :func:`rnnlab.train.train` and returns a :class:`RunRecord`;
:func:`compare` runs cells × seeds and returns a :class:`Comparison` (a table, a plot).

Fair comparison: for a given seed every cell sees the same training batches and every run
is scored on the same held-out batch; cells differ only in their layer. A cell is a name
from :data:`CELLS` or any factory ``make(D, H, rng) -> layer``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from tqdm.auto import tqdm

from .data import adding_problem, copy_task
from .gru import GRU
from .linear import Linear
from .losses import log_softmax
from .lstm import LSTM
from .optim import Adam
from .rnn import RNN
from .train import SequenceModel, train

__all__ = ["CELLS", "Task", "adding_task", "copy_memory_task", "evaluate", "RunRecord", "run",
           "compare", "Comparison", "count_params", "probe_inputs", "make_cell",
           "GradientProfile", "gradient_profile", "rnn_lstm_profiles", "depth_time_norms",
           "lstm_cell_jacobian",
           "gru_state_jacobian", "SlopeProfile", "slope_profile", "per_seed",
           "ahead_on_every_seed", "spread_table"]

#: the cells of chapters 2–4 by name: factories (D, H, rng) -> layer
CELLS: dict[str, Callable] = {
    "RNN": lambda D, H, rng: RNN(D, H, rng=rng),
    "LSTM": lambda D, H, rng: LSTM(D, H, rng=rng),
    "LSTM, no forget gate": lambda D, H, rng: LSTM(D, H, rng=rng, forget_gate=False),
    "LSTM, peephole": lambda D, H, rng: LSTM(D, H, rng=rng, peephole=True),
    "LSTM, coupled": lambda D, H, rng: LSTM(D, H, rng=rng, coupled=True),
    "GRU": lambda D, H, rng: GRU(D, H, rng=rng),
    "GRU, reset after": lambda D, H, rng: GRU(D, H, rng=rng, reset_after=True),
}


def count_params(params) -> int:
    """Number of trainable scalars in a ``params`` dict (or dict-like view)."""
    return int(sum(np.size(p) for p in params.values()))


# ---- tasks ------------------------------------------------------------------------------
class Task(NamedTuple):
    """A memory task. ``sample(B, rng)`` returns ``(X (T, B, D), Y)`` or ``(X, Y, mask)``.

    ``loss``/``target`` configure the :class:`~rnnlab.train.SequenceModel`; ``metric`` is
    ``"mse"`` (lower is better) or ``"accuracy"`` (higher is better); a run counts as having
    *reached* the task when its metric passes ``threshold``; ``chance`` is the metric of a
    model that has learned the output format but remembers nothing. ``tolerance``: for
    regression, a prediction with |y_hat - y| below it counts as correct.
    """

    name: str
    input_size: int
    output_size: int
    loss: str
    target: str
    sample: Callable
    metric: str
    threshold: float
    chance: float
    tolerance: float = 0.04

    def reached(self, value: float) -> bool:
        """True if ``value`` of the metric passes the threshold."""
        return value <= self.threshold if self.metric == "mse" else value >= self.threshold


def adding_task(T: int = 40, *, threshold: float = 0.01) -> Task:
    """The adding problem of :func:`rnnlab.data.adding_problem` with ``T`` steps.

    Scored by the MSE of the sum read after step T; chance (always predicting the mean 1)
    is Var(u1 + u2) = 1/6. Accuracy: the fraction with |y_hat - y| < 0.04 (the tolerance
    of Hochreiter & Schmidhuber 1997, here applied to the unscaled sum in [0, 2]).
    """
    return Task(f"adding problem, T={T}", 2, 1, "mse", "last",
                lambda B, rng: tuple(adding_problem(T, B, rng)), "mse", threshold, 1 / 6)


def copy_memory_task(length: int = 5, delay: int = 20, n_symbols: int = 8, *,
                     threshold: float = 0.9) -> Task:
    """The copy task of :func:`rnnlab.data.copy_task`: recall ``length`` symbols after
    ``delay`` steps (T = 2 length + delay). Scored by recall accuracy; chance 1/n_symbols."""
    V = n_symbols + 2

    def sample(B, rng):
        return tuple(copy_task(B, rng, n_symbols=n_symbols, length=length, delay=delay))

    return Task(f"copy task, {length} symbols, delay {delay}", V, V, "softmax", "every",
                sample, "accuracy", threshold, 1 / n_symbols)


def evaluate(model: SequenceModel, task: Task, batch: tuple) -> tuple[float, float]:
    """(loss, accuracy) of ``model`` on one batch of ``task``; no gradients.

    The loss is the task's training loss (MSE, or cross-entropy in nats over the recall
    positions); accuracy as described in :class:`Task`.
    """
    X, Y = batch[0], batch[1]
    if task.loss == "mse":
        err = model.predict(X) - Y  # (B, K)
        return float(np.mean(err**2)), float(np.mean(np.abs(err) < task.tolerance))
    mask = batch[2] if len(batch) == 3 else np.ones(Y.shape, bool)
    H, _ = model.layer.forward(X)  # (T, B, H)
    logits, _ = model.head.forward(H)  # (T, B, K)
    logp = log_softmax(logits)
    nll = -np.take_along_axis(logp, Y[..., None], axis=-1)[..., 0]  # (T, B)
    correct = logits.argmax(axis=-1) == Y
    return float(nll[mask].mean()), float(correct[mask].mean())


# ---- one run ----------------------------------------------------------------------------
class RunRecord(NamedTuple):
    """The result of one training run.

    cell, task, seed       what was run.
    n_params               trainable scalars of the model (recurrent layer + output layer).
    steps                  Adam steps taken.
    seconds                wall time of training (evaluation excluded).
    loss        (steps,)   training loss at every step.
    eval_steps  (m,)       steps after which the held-out batch was scored (0 = untrained).
    eval_metric (m,)       the task's metric there (MSE or accuracy).
    final_loss, final_accuracy, final_metric   held-out scores after the last step.
    steps_to_threshold     first entry of eval_steps whose metric passes the task's
                           threshold, or None if it never did.
    diverged               training stopped early on a NaN/inf.
    """

    cell: str
    task: str
    seed: int
    n_params: int
    steps: int
    seconds: float
    loss: np.ndarray
    eval_steps: np.ndarray
    eval_metric: np.ndarray
    final_loss: float
    final_accuracy: float
    final_metric: float
    steps_to_threshold: int | None
    diverged: bool


DEFAULT_STEPS = 600


def run(cell, task: Task, *, seed: int = 0, hidden_size: int = 24, steps: int = DEFAULT_STEPS,
        batch_size: int = 32, lr: float = 1e-2, clip_norm: float | None = 1.0,
        eval_every: int = 20, eval_size: int = 256, progress: bool = True,
        name: str | None = None, on_step: Callable[[int], None] | None = None) -> RunRecord:
    """Train ``cell`` on ``task`` for ``steps`` Adam steps and score it.

    ``cell``: a name from :data:`CELLS` or a factory ``(D, H, rng) -> layer``. The layer
    and output layer are initialised from ``default_rng(seed)``; the training batches
    (``batch_size`` sequences each) come from ``default_rng([seed, 1])``, so all cells
    see the same data at a given seed; the held-out batch (``eval_size`` sequences) is
    the same for every run. Every ``eval_every`` steps the held-out metric is recorded.
    Gradients are clipped to global norm ``clip_norm`` (None: no clipping). ``progress``
    shows the training bar of :func:`rnnlab.train.train`; ``on_step(step)``, if given, is
    called before every step (:func:`compare` drives its single bar with it).
    """
    if isinstance(cell, str) and cell not in CELLS:
        raise ValueError(f"cell must be one of {list(CELLS)} or a factory (D, H, rng) -> layer; "
                         f"got {cell!r}")
    make = CELLS[cell] if isinstance(cell, str) else cell
    name = name or (cell if isinstance(cell, str) else getattr(cell, "__name__", "cell"))
    init_rng = np.random.default_rng(seed)
    layer = make(task.input_size, hidden_size, init_rng)
    head = Linear(layer.hidden_size, task.output_size, rng=init_rng, dtype=layer.dtype)
    model = SequenceModel(layer, head, loss=task.loss, target=task.target)
    data_rng = np.random.default_rng([seed, 1])
    held_out = task.sample(eval_size, np.random.default_rng([2**16, 7]))
    idx = 0 if task.metric == "mse" else 1  # evaluate() returns (loss, accuracy)
    eval_steps, eval_metric, eval_seconds = [], [], 0.0

    def score(step):
        nonlocal eval_seconds
        t0 = time.perf_counter()
        eval_steps.append(step)
        eval_metric.append(evaluate(model, task, held_out)[idx])
        eval_seconds += time.perf_counter() - t0

    def batches(step):
        if step % eval_every == 0:
            score(step)  # the model after `step` updates
        if on_step is not None:
            on_step(step)
        return task.sample(batch_size, data_rng)

    hist = train(model, Adam(lr), batches, steps, clip_norm=clip_norm, progress=progress,
                 desc=name, leave=False)
    score(len(hist.loss))
    final_loss, final_acc = evaluate(model, task, held_out)
    ev_steps, ev_metric = np.array(eval_steps), np.array(eval_metric)
    hits = [s for s, m in zip(ev_steps, ev_metric, strict=True) if task.reached(m)]
    return RunRecord(name, task.name, seed, count_params(model.params), len(hist.loss),
                     float(hist.seconds[-1] - eval_seconds) if len(hist.seconds) else 0.0,
                     hist.loss, ev_steps, ev_metric, final_loss, final_acc,
                     final_loss if task.metric == "mse" else final_acc,
                     int(hits[0]) if hits else None, hist.diverged)


# ---- many runs --------------------------------------------------------------------------
class Comparison:
    """The records of :func:`compare` with a summary table and a plot of the curves.

    ``records``: list of :class:`RunRecord`; ``task``: the :class:`Task`. ``summary()``
    gives one row per cell (in the order first run); ``str()`` and the notebook display
    show it as a table.
    """

    def __init__(self, records: list, task: Task):
        self.records, self.task = list(records), task

    def cells(self) -> list[str]:
        return list(dict.fromkeys(r.cell for r in self.records))

    def by_cell(self, cell: str) -> list[RunRecord]:
        return [r for r in self.records if r.cell == cell]

    def summary(self) -> list[dict]:
        """Per cell: params, median/min/max final metric, median accuracy, runs that
        reached the threshold, median steps to it (over those runs), mean wall time."""
        rows = []
        for cell in self.cells():
            rs = self.by_cell(cell)
            m = np.array([r.final_metric for r in rs])
            hit = [r.steps_to_threshold for r in rs if r.steps_to_threshold is not None]
            rows.append({"cell": cell, "params": rs[0].n_params, "runs": len(rs),
                         "metric": float(np.median(m)), "min": float(m.min()),
                         "max": float(m.max()),
                         "accuracy": float(np.median([r.final_accuracy for r in rs])),
                         "reached": len(hit), "steps": float(np.median(hit)) if hit else None,
                         "seconds": float(np.mean([r.seconds for r in rs]))})
        return rows

    def _table(self, sep: str) -> list[str]:
        t = self.task
        head = ["cell", "params", f"final {t.metric} (median [min, max])", "accuracy",
                f"reached {t.metric} {'≤' if t.metric == 'mse' else '≥'} {t.threshold:g}",
                "steps to reach", "seconds / run"]
        lines = [sep + sep.join(head) + sep]
        if sep == "|":
            lines.append("|" + "|".join("---" for _ in head) + "|")
        for r in self.summary():
            cells = [r["cell"], f"{r['params']}",
                     f"{r['metric']:.3g} [{r['min']:.3g}, {r['max']:.3g}]",
                     f"{r['accuracy']:.2f}", f"{r['reached']}/{r['runs']}",
                     "—" if r["steps"] is None else f"{r['steps']:.0f}", f"{r['seconds']:.1f}"]
            lines.append(sep + sep.join(cells) + sep)
        return lines

    def to_markdown(self) -> str:
        """The summary as a Markdown (pipe) table."""
        return "\n".join(self._table("|"))

    def _repr_html_(self) -> str:
        from html import escape

        rows = [[c.strip() for c in line.strip("|").split("|")]
                for line in self._table("|") if not line.startswith("|---")]
        head = "".join(f"<th>{escape(c)}</th>" for c in rows[0])
        body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>"
                       for r in rows[1:])
        return (f"<table><caption>{escape(self.task.name)}</caption><thead><tr>{head}</tr>"
                f"</thead><tbody>{body}</tbody></table>")

    def __str__(self) -> str:
        return "\n".join(line.strip(" ;") for line in self._table(" ; "))

    def __repr__(self) -> str:
        return f"<Comparison: {self.task.name}, {len(self.records)} runs>"

    def plot(self, ax=None, *, log: bool | None = None):
        """Held-out metric against training step, one line per run (a colour per cell), and
        the chance level dashed. Log scale for MSE by default. Returns the axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6.4, 3.6))
        for k, cell in enumerate(self.cells()):
            for j, r in enumerate(self.by_cell(cell)):
                ax.plot(r.eval_steps, r.eval_metric, color=f"C{k}", lw=1.4, alpha=0.85,
                        label=cell if j == 0 else None)
        ax.axhline(self.task.chance, color="0.4", ls="--", lw=1, label="chance")
        if log if log is not None else self.task.metric == "mse":
            ax.set_yscale("log")
        ax.set_xlabel("training step (Adam updates)")
        ax.set_ylabel("held-out MSE" if self.task.metric == "mse" else "held-out accuracy")
        ax.set_title(self.task.name)
        ax.legend(fontsize="small", ncol=2)
        return ax


def compare(cells, task: Task, *, seeds=(0, 1), progress: bool = True, **run_kwargs,
            ) -> Comparison:
    """Run every cell with every seed (see :func:`run` for the keyword arguments).

    ``cells``: a list of names from :data:`CELLS`, or a dict name -> factory. One tqdm bar
    counts the training steps of all runs and names the run in progress.
    """
    items = cells.items() if isinstance(cells, dict) else [(c, c) for c in cells]
    jobs = [(name, make, seed) for name, make in items for seed in seeds]
    steps = run_kwargs.get("steps", DEFAULT_STEPS)
    records = []
    with tqdm(total=len(jobs) * steps, desc=task.name, disable=not progress) as bar:
        for name, make, seed in jobs:
            bar.set_postfix_str(f"{name}, seed {seed}", refresh=False)
            records.append(run(make, task, seed=seed, name=name, progress=False,
                               on_step=lambda _step: bar.update(1), **run_kwargs))
    return Comparison(records, task)


# ---- gradient flow: the profiles behind the slider figures -------------------------------
def probe_inputs(T: int, *, D: int = 4, B: int = 8, seed: int = 0) -> np.ndarray:
    """Standard normal inputs X (T, B, D) from ``default_rng(seed)``; a shorter T gives a
    prefix of a longer one (the first T steps are the same)."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((T, B, D))  # T outermost: the draws of step t come first


def make_cell(kind: str, D: int, H: int, rng: np.random.Generator, *, scale: float | None = None,
              forget_bias: float = 1.0, update_bias: float = 0.0, reset_after: bool = False):
    """A tanh ``"RNN"``, an ``"LSTM"`` or a ``"GRU"`` for the gradient-flow figures.

    ``scale``: if given, every recurrent matrix (U, or each U_g) is ``scale`` times a random
    orthogonal matrix, so all its singular values equal ``scale``; otherwise the layer's
    default initialisation (uniform in +-1/sqrt(H), sigma_1 about 1.15).
    """
    from .diagnostics import recurrent_matrix

    if kind == "RNN":
        layer = RNN(D, H, rng=rng)
    elif kind == "LSTM":
        layer = LSTM(D, H, rng=rng, forget_bias=forget_bias)
    elif kind == "GRU":
        layer = GRU(D, H, rng=rng, update_bias=update_bias, reset_after=reset_after)
    else:
        raise ValueError(f"kind must be 'RNN', 'LSTM' or 'GRU'; got {kind!r}")
    if scale is not None:
        for name, p in layer.params.items():
            if name.startswith("U"):
                p[:] = recurrent_matrix(H, rng, sigma_max=scale, kind="orthogonal")
    return layer


class GradientProfile(NamedTuple):
    """Gradient norms for k = 1..T (entry k - 1) of one layer on one input.

    dh         (T,)  ||dL_T/dh_k|| (batch mean) for the loss L_T = <1/sqrt(H), h_T>.
    dc         (T,)  LSTM only: ||dc_T/dc_k||_2 of the first sample, the total derivative.
    gate_path  (T,)  the direct path alone, ||prod_{i>k} diag(g_i)||_2 of the first
                     sample: g = f (LSTM forget gates) or z (GRU update gates); None for RNN.
    """

    dh: np.ndarray
    dc: np.ndarray | None
    gate_path: np.ndarray | None


def _suffix_products(G: np.ndarray) -> np.ndarray:
    """G (T, H) -> (T,): max_j prod_{i=k+1}^T G[i-1, j] for k = 1..T (1 at k = T)."""
    P = np.ones_like(G)
    for k in range(len(G) - 2, -1, -1):
        P[k] = P[k + 1] * G[k + 1]
    return P.max(axis=1)


def rnn_lstm_profiles(forget_bias: float, scale: float, X: np.ndarray, H: int = 16,
                      seed: int = 0) -> dict:
    """The curves of the LSTM chapter's slider: gradient profiles of a tanh RNN and an LSTM
    of H units whose recurrent matrices have every singular value equal to ``scale``, both
    built from ``default_rng(seed)``, on X (T, B, D). Returns ``{"back": T - k for
    k = 1..T, "rnn": GradientProfile, "lstm": GradientProfile}``."""
    T, _, D = np.shape(X)
    rnn = make_cell("RNN", D, H, np.random.default_rng(seed), scale=scale)
    lstm = make_cell("LSTM", D, H, np.random.default_rng(seed), scale=scale,
                     forget_bias=forget_bias)
    return {"back": T - np.arange(1, T + 1), "rnn": gradient_profile(rnn, X),
            "lstm": gradient_profile(lstm, X)}


def gradient_profile(layer, X: np.ndarray) -> GradientProfile:
    """The :class:`GradientProfile` of ``layer`` (RNN, LSTM or GRU) on X (T, B, D)."""
    from .diagnostics import forget_gate_products, jacobian_norms, state_grad_norms

    dh = state_grad_norms(layer, X)
    if isinstance(layer, LSTM):
        _, cache = layer.forward(X)
        return GradientProfile(dh, jacobian_norms(layer, X, wrt="c"),
                               forget_gate_products(cache))
    if isinstance(layer, GRU):
        _, cache = layer.forward(X)
        return GradientProfile(dh, None, _suffix_products(cache.steps.z[:, 0]))
    return GradientProfile(dh, None, None)


def depth_time_norms(kind: str, n_layers: int, X: np.ndarray, *, H: int = 16, seed: int = 0,
                     **cell_kw) -> np.ndarray:
    """||dL_T/dh_k^(l)|| for a stack of ``n_layers`` cells of one ``kind`` (6.70), shape
    (L, T), bottom layer first; the loss reads the top layer's last state only."""
    from .diagnostics import state_grad_norms
    from .stack import Stacked

    rng = np.random.default_rng(seed)
    D = X.shape[-1]
    layers = [make_cell(kind, D if l == 0 else H, H, rng, **cell_kw) for l in range(n_layers)]
    return state_grad_norms(Stacked(layers), X)


def lstm_cell_jacobian(layer: LSTM, cache, t: int, *, sample: int = 0) -> np.ndarray:
    """The one-step total derivative dc_t/dc_{t-1} (H, H) of a standard LSTM at step t >= 2.

    c_{t-1} moves h_{t-1} = o_{t-1} ⊙ tanh(c_{t-1}) (o_{t-1} does not depend on c_{t-1}
    without peepholes), and h_{t-1} feeds every gate of step t:

        dc_t/dc_{t-1} = diag(f_t) + [diag(c_{t-1} ⊙ f_t') U_f + diag(c~_t ⊙ i_t') U_i
                        + diag(i_t ⊙ (1 - c~_t^2)) U_c] diag(o_{t-1} ⊙ (1 - tanh^2 c_{t-1}))

    with g' = g (1 - g) for a gate g. The first term is the cell path, the rest the
    indirect terms through h_{t-1}.
    """
    if layer.peephole or layer.coupled or not layer.forget_gate:
        raise ValueError("lstm_cell_jacobian covers the standard LSTM (6.51)-(6.59) only")
    if not 2 <= t <= len(cache.steps.c):
        raise ValueError(f"t must be a step in 2..T={len(cache.steps.c)}; got {t}")
    s = [field[:, sample] for field in cache.steps]  # each (T, H)
    st = type(cache.steps)(*s)
    p = layer.params
    i, f, c_tilde, c_prev = st.i[t - 1], st.f[t - 1], st.c_tilde[t - 1], st.c_prev[t - 1]
    dc_dh = ((c_prev * f * (1 - f))[:, None] * p["U_f"]
             + (c_tilde * i * (1 - i))[:, None] * p["U_i"]
             + (i * (1 - c_tilde**2))[:, None] * p["U_c"])  # (H, H): dc_t/dh_{t-1}
    dh_dc = st.o[t - 2] * (1 - st.tanh_c[t - 2] ** 2)  # (H,): dh_{t-1}/dc_{t-1}, diagonal
    return np.diag(f) + dc_dh * dh_dc[None, :]


def gru_state_jacobian(layer: GRU, cache, t: int, *, sample: int = 0) -> np.ndarray:
    """The one-step Jacobian dh_t/dh_{t-1} (H, H) of a GRU at step t >= 1, from (6.66)–(6.69):

        dh_t/dh_{t-1} = diag(z_t) + diag((h_{t-1} - h~_t) ⊙ z_t') U_z
                        + diag((1 - z_t) ⊙ (1 - h~_t^2)) da/dh_{t-1},

    a the candidate's pre-activation: da/dh = U_h (diag(r_t) + diag(h_{t-1} ⊙ r_t') U_r)
    with the reset gate before U_h, and diag(r_t) U_h + diag(q_t ⊙ r_t') U_r after it
    (q_t = U_h h_{t-1} + b_Uh, the step record's field ``n``).
    """
    T = len(cache.H)
    if not 1 <= t <= T:
        raise ValueError(f"t must be a step in 1..T={T}; got {t}")
    s = type(cache.steps)(*(field[t - 1, sample] for field in cache.steps))  # each (H,)
    p = layer.params
    sr = s.r * (1 - s.r)
    if layer.reset_after:
        da_dh = s.r[:, None] * p["U_h"] + (s.n * sr)[:, None] * p["U_r"]
    else:
        da_dh = p["U_h"] @ (np.diag(s.r) + (s.h_prev * sr)[:, None] * p["U_r"])
    return (np.diag(s.z) + ((s.h_prev - s.h_tilde) * s.z * (1 - s.z))[:, None] * p["U_z"]
            + ((1 - s.z) * (1 - s.h_tilde**2))[:, None] * da_dh)


# ---- why the bound of chapter 0 is loose: the slopes a gradient meets --------------------
class SlopeProfile(NamedTuple):
    """The factors diag(f'(z_t)) U of a simple RNN's Jacobian product, step by step.

    slopes        (T, H)  f'(z_t) of one sample, unit by unit.
    rms           (T,)    root-mean-square slope over the H units, sqrt(mean_j f'(z_t)_j^2).
    low           (T,)    fraction of the H units with f'(z_t) < gamma_f / 10 (saturated).
    factor_norms  (T,)    ||diag(f'(z_t)) U||_2, the norm of step t's factor.
    """

    slopes: np.ndarray
    rms: np.ndarray
    low: np.ndarray
    factor_norms: np.ndarray


def slope_profile(layer: RNN, X: np.ndarray, *, sample: int = 0) -> SlopeProfile:
    """The :class:`SlopeProfile` of a simple RNN ``layer`` on X (T, B, D), for one sample.

    dh_t/dh_k is the product of the factors diag(f'(z_tau)) U, tau = k+1..t (NNDL (6.47)
    transposed). The bound sigma_1(U)^(t-k) takes every slope at its largest value gamma_f.
    When U spreads a vector evenly over the units, one factor scales its length by about
    sigma_1(U) times the ``rms`` slope instead.
    """
    if not isinstance(layer, RNN):
        raise TypeError(f"layer must be a simple RNN; got {type(layer).__name__}")
    _, cache = layer.forward(X)
    if not 0 <= sample < cache.A.shape[1]:
        raise ValueError(f"sample must index the batch axis (0..{cache.A.shape[1] - 1}); "
                         f"got {sample}")
    act = layer.activation
    S = act.df(cache.A[:, sample])  # (T, H): f'(z_t) through a_t = f(z_t)
    U = layer.params["U"]
    return SlopeProfile(S, np.sqrt(np.mean(S**2, axis=1)), np.mean(S < act.gamma / 10, axis=1),
                        np.array([np.linalg.norm(s[:, None] * U, 2) for s in S]))


# ---- comparisons over seeds: the spread, seed by seed -------------------------------------
def per_seed(comparison: Comparison, cell: str, field: str = "steps_to_threshold") -> np.ndarray:
    """``field`` of every run of ``cell``, in seed order: (n_seeds,) floats.

    ``field``: a :class:`RunRecord` field holding a number, e.g. ``"final_metric"`` or
    ``"steps_to_threshold"``; a run that never reached the threshold counts as ``inf`` steps.
    Runs of one seed share their training batches across cells, so two cells' arrays can be
    compared entry by entry (a paired comparison).
    """
    runs = sorted(comparison.by_cell(cell), key=lambda r: r.seed)
    if not runs:
        raise ValueError(f"cell must be one of {comparison.cells()}; got {cell!r}")
    if field not in RunRecord._fields:
        raise ValueError(f"field must be a RunRecord field; got {field!r}")
    values = [getattr(r, field) for r in runs]
    return np.array([np.inf if v is None else v for v in values], dtype=float)


def ahead_on_every_seed(comparison: Comparison, a: str, b: str, *, margin: int = 50) -> bool:
    """True if cell ``a`` reached the threshold at least ``margin`` steps before cell ``b`` on
    every seed, comparing the two runs of each seed (same training batches).

    A run of ``a`` that never reached the threshold makes this False; a run of ``b`` that
    never reached it counts as infinitely many steps. Two cells neither of which is ahead of
    the other are *comparable* at this margin.
    """
    steps_a, steps_b = per_seed(comparison, a), per_seed(comparison, b)
    if len(steps_a) != len(steps_b):
        raise ValueError(f"cells {a!r} and {b!r} must have runs for the same seeds")
    return bool(np.all(np.isfinite(steps_a) & (steps_a + margin <= steps_b)))


def spread_table(comparison: Comparison) -> str:
    """A Markdown table of ``comparison``, one row per cell: parameters, the final metric and
    the steps to reach the threshold as median [min, max] over the seeds, the runs that
    reached it, and the mean wall time per run (a measurement of the machine, not a result)."""
    t = comparison.task
    head = ["cell", "params", f"final {t.metric}, median [min, max]",
            f"reached {t.metric} {'≤' if t.metric == 'mse' else '≥'} {t.threshold:g}",
            "steps to reach, median [min, max]", "seconds / run"]
    lines = ["|" + "|".join(head) + "|", "|" + "|".join("---" for _ in head) + "|"]
    for cell in comparison.cells():
        runs = comparison.by_cell(cell)
        m, steps = per_seed(comparison, cell, "final_metric"), per_seed(comparison, cell)
        hit = steps[np.isfinite(steps)]
        reach = "—" if not hit.size else \
            f"{np.median(hit):.0f} [{hit.min():.0f}, {hit.max():.0f}]"
        lines.append("|" + "|".join([
            cell, f"{runs[0].n_params}", f"{np.median(m):.3g} [{m.min():.3g}, {m.max():.3g}]",
            f"{hit.size}/{len(runs)}", reach, f"{np.mean([r.seconds for r in runs]):.1f}"]) + "|")
    return "\n".join(lines)
