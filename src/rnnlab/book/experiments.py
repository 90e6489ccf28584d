"""The long-range memory experiment of chapters 4–6 (and exercise 6-1P): train, time, compare.

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size, ``K`` output
size.

A *task* (:class:`Task`) is a source of batches from :mod:`rnnlab.data.tasks` plus how to score a
model on it: :func:`adding_task` (regression, scored by MSE) or :func:`copy_memory_task`
(classification, scored by recall accuracy). :func:`run` trains one cell on one task for a
fixed budget of Adam steps with :func:`rnnlab.train.loop.train` and returns a :class:`RunRecord`;
:func:`compare` runs cells × seeds and returns a :class:`Comparison` (a table, a plot).

Fair comparison: for a given seed every cell sees the same training batches and every run
is scored on the same held-out batch; cells differ only in their layer. A cell is a name
from :data:`VARIANTS` or any factory ``make(D, H, rng) -> layer``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from html import escape
from typing import NamedTuple

import matplotlib.pyplot as plt
import numpy as np

from ..data.tasks import adding_problem, copy_task
from ..layers.cells import count_params, make_cell
from ..layers.linear import Linear
from ..layers.losses import log_softmax
from ..train.loop import SequenceModel, train
from ..train.optim import Adam
from ..train.progress import progress_bar

__all__ = ["VARIANTS", "make_variant", "Task", "adding_task", "copy_memory_task", "evaluate",
           "RunRecord", "run", "compare", "Comparison", "per_seed", "ahead_on_every_seed",
           "spread_table", "select_rows", "solved_by", "median_range"]

#: the cells of chapters 4–6 and exercise 6-1P by name: (kind, options) for
#: :func:`~rnnlab.layers.cells.make_cell`
VARIANTS: dict[str, tuple[str, dict]] = {
    "RNN": ("RNN", {}),
    "LSTM": ("LSTM", {}),
    "LSTM, no forget gate": ("LSTM", {"forget_gate": False}),
    "LSTM, peephole": ("LSTM", {"peephole": True}),
    "LSTM, coupled": ("LSTM", {"coupled": True}),
    "GRU": ("GRU", {}),
    "GRU, reset after": ("GRU", {"reset_after": True}),
}


def make_variant(name: str, D: int, H: int, rng: np.random.Generator):
    """The layer of :data:`VARIANTS` called ``name``, with input size D and hidden size H."""
    if name not in VARIANTS:
        raise ValueError(f"name must be one of {list(VARIANTS)}; got {name!r}")
    kind, options = VARIANTS[name]
    return make_cell(kind, D, H, rng, **options)


# ---- tasks ------------------------------------------------------------------------------
class Task(NamedTuple):
    """A memory task. ``sample(B, rng)`` returns ``(X (T, B, D), Y)`` or ``(X, Y, mask)``.

    ``loss``/``target`` configure the :class:`~rnnlab.train.loop.SequenceModel`; ``metric`` is
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
    """The adding problem of :func:`rnnlab.data.tasks.adding_problem` with ``T`` steps.

    Scored by the MSE of the sum read after step T; chance (always predicting the mean 1)
    is Var(u1 + u2) = 1/6. Accuracy: the fraction with |y_hat - y| < 0.04 (the tolerance
    of Hochreiter & Schmidhuber 1997, here applied to the unscaled sum in [0, 2]).
    """
    return Task(f"adding problem, T={T}", 2, 1, "mse", "last",
                lambda B, rng: tuple(adding_problem(T, B, rng)), "mse", threshold, 1 / 6)


def copy_memory_task(length: int = 5, delay: int = 20, n_symbols: int = 8, *,
                     threshold: float = 0.9) -> Task:
    """The copy task of :func:`rnnlab.data.tasks.copy_task`: recall ``length`` symbols after
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

    ``cell``: a name from :data:`VARIANTS` or a factory ``(D, H, rng) -> layer``. The layer
    and output layer are initialised from ``default_rng(seed)``; the training batches
    (``batch_size`` sequences each) come from ``default_rng([seed, 1])``, so all cells
    see the same data at a given seed; the held-out batch (``eval_size`` sequences) is
    the same for every run. Every ``eval_every`` steps the held-out metric is recorded.
    Gradients are clipped to global norm ``clip_norm`` (None: no clipping). ``progress``
    shows the training bar of :func:`rnnlab.train.loop.train`; ``on_step(step)``, if given, is
    called before every step (:func:`compare` drives its single bar with it).
    """
    if isinstance(cell, str):
        if cell not in VARIANTS:
            raise ValueError(f"cell must be one of {list(VARIANTS)} or a factory "
                             f"(D, H, rng) -> layer; got {cell!r}")

        def make(D, H, rng):
            return make_variant(cell, D, H, rng)
    else:
        make = cell
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

    ``cells``: a list of names from :data:`VARIANTS`, or a dict from a display name to a
    name from :data:`VARIANTS` or a factory ``(D, H, rng) -> layer``. One tqdm bar
    counts the training steps of all runs and names the run in progress.
    """
    items = cells.items() if isinstance(cells, dict) else [(c, c) for c in cells]
    jobs = [(name, make, seed) for name, make in items for seed in seeds]
    steps = run_kwargs.get("steps", DEFAULT_STEPS)
    records = []
    with progress_bar(total=len(jobs) * steps, desc=task.name, disable=not progress) as bar:
        for name, make, seed in jobs:
            bar.set_postfix_str(f"{name}, seed {seed}", refresh=False)
            records.append(run(make, task, seed=seed, name=name, progress=False,
                               on_step=lambda _step: bar.update(1), **run_kwargs))
    return Comparison(records, task)


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


# ---- rows of a results file: select, count, summarise --------------------------------------
def select_rows(rows: list[dict], **where) -> list[dict]:
    """The rows (dicts, as a results file holds them) whose fields equal every ``where``
    value, e.g. ``select_rows(rows, cell="LSTM", task="adding 50", lr=0.01)``; at least one."""
    found = [r for r in rows if all(r.get(k) == v for k, v in where.items())]
    if not found:
        raise ValueError(f"no row has {where}")
    return found


def solved_by(rows: list[dict], step: int) -> int:
    """How many of ``rows`` reached their task's threshold by ``step`` (field ``solved_at``,
    None for never)."""
    return sum(r["solved_at"] is not None and r["solved_at"] <= step for r in rows)


def median_range(values, fmt: str = ".3g") -> str:
    """``"median [min, max]"`` of ``values``, each formatted with ``fmt``."""
    v = np.asarray(values, dtype=float)
    return f"{np.median(v):{fmt}} [{v.min():{fmt}}, {v.max():{fmt}}]"
