"""Exercise 6-1P's experiment: GRU or LSTM, separating speed of learning from capability.

Shape legend: ``T`` steps, ``B`` batch, ``H`` hidden size.

Three measurements, each over seeds, and all returned as plain numbers (a JSON-ready dict):

* :func:`memory_sweep` — the tanh RNN, LSTM and GRU at about equal parameters on the adding
  problem and the copy task (:mod:`rnnlab.book.experiments`), every run trained for a long
  budget and scored on the way, so one run gives its result after a short and after a long
  budget (Adam has no schedule: the model after 400 of 1200 steps *is* a 400-step run);
* the same at the longest lengths for other learning rates;
* :func:`counting_run` — the LSTM and the GRU on the counting language aⁿbⁿ
  (:func:`rnnlab.data.tasks.anbn`): trained on n <= ``n_train``, scored by the largest n up to
  which *every* string a¹b¹ .. aⁿbⁿ is recognised (:func:`counts_to`), which measures whether
  the network learned to count beyond what it saw (Weiss, Goldberg & Yahav, ACL 2018).

:func:`full_sweep` runs all of it; ``python -m rnnlab.book.cell_choice PATH`` writes it to a
JSON file (the page loads that file and re-runs one configuration to check it).
"""

from __future__ import annotations

import json
import sys

import numpy as np

from ..data.tasks import anbn
from ..layers.cells import count_params, make_cell
from ..layers.linear import Linear
from ..train.loop import SequenceModel, train
from ..train.optim import Adam
from .experiments import (
    Task,
    adding_task,
    copy_memory_task,
    median_range,
    run,
    select_rows,
    solved_by,
)

__all__ = ["MEMORY_CELLS", "COUNTING_CELLS", "memory_tasks", "memory_row", "memory_sweep",
           "counts_to", "counting_run", "full_sweep", "memory_table", "lr_table", "counting_table",
           "LONG_RUNS", "long_sweep", "long_table"]

#: the cells of the memory tasks, (kind, hidden size) at about 730-990 parameters each
MEMORY_CELLS = {"tanh RNN": ("RNN", 24), "LSTM": ("LSTM", 12), "GRU": ("GRU", 14)}
#: the cells of the counting task: the GRU with a few more parameters than the LSTM
COUNTING_CELLS = {"LSTM": ("LSTM", 8), "GRU": ("GRU", 10)}


def memory_tasks() -> dict[str, Task]:
    """The six memory tasks by key: ``adding T`` for T in 10, 25, 50 and ``copy d`` for the
    delays 5, 10, 20 (2 symbols from an alphabet of 4)."""
    tasks = {f"adding {T}": adding_task(T) for T in (10, 25, 50)}
    return tasks | {f"copy {d}": copy_memory_task(length=2, delay=d, n_symbols=4)
                    for d in (5, 10, 20)}


def _factory(kind: str, H: int):
    def make(D, _H, rng):
        return make_cell(kind, D, H, rng)
    return make


def memory_row(cell: str, task_key: str, *, seed: int, lr: float, steps: int,
               checkpoints=(400,)) -> dict:
    """One run of :func:`rnnlab.book.experiments.run` as a row of rounded numbers.

    ``cell`` a key of :data:`MEMORY_CELLS`, ``task_key`` one of :func:`memory_tasks`. The row:
    the held-out metric after every step count in ``checkpoints`` and after ``steps``
    (``metric_<n>``, 4 significant digits), the first step at which the task was solved
    (None if never; scored every 20 steps) and the parameter count.
    """
    if cell not in MEMORY_CELLS:
        raise ValueError(f"cell must be one of {list(MEMORY_CELLS)}; got {cell!r}")
    tasks = memory_tasks()
    if task_key not in tasks:
        raise ValueError(f"task_key must be one of {list(tasks)}; got {task_key!r}")
    kind, H = MEMORY_CELLS[cell]
    rec = run(_factory(kind, H), tasks[task_key], seed=seed, lr=lr, steps=steps, name=cell,
              progress=False, eval_every=20, clip_norm=1.0, batch_size=32)
    row = {"cell": cell, "task": task_key, "seed": seed, "lr": lr, "steps": steps,
           "params": rec.n_params, "solved_at": rec.steps_to_threshold}
    for n in (*checkpoints, steps):
        k = int(np.flatnonzero(rec.eval_steps == n)[0])
        row[f"metric_{n}"] = float(f"{rec.eval_metric[k]:.4g}")
    return row


def memory_sweep(*, seeds=range(5), steps: int = 1200, lrs=(3e-3, 1e-2, 3e-2),
                 base_lr: float = 1e-2, sweep_tasks=("adding 50", "copy 20"),
                 cells=tuple(MEMORY_CELLS), tasks=None) -> list[dict]:
    """Rows of :func:`memory_row`: every cell × task × seed at ``base_lr``, and at the other
    learning rates of ``lrs`` on ``sweep_tasks`` only. ``tasks``: the task keys (default
    all of :func:`memory_tasks`)."""
    rows = []
    for task_key in tasks or memory_tasks():
        for lr in lrs if task_key in sweep_tasks else (base_lr,):
            rows += [memory_row(c, task_key, seed=s, lr=lr, steps=steps)
                     for c in cells for s in seeds]
    return rows


def counts_to(model: SequenceModel, n_test: int) -> int:
    """The largest n such that ``model`` recognises every string a¹b¹ .. aⁿbⁿ (0 if not even
    ab): every masked next-symbol prediction of :func:`rnnlab.data.tasks.anbn` is right."""
    X, Y, mask = anbn(np.arange(1, n_test + 1))
    H, _ = model.layer.forward(X)  # (T, B, H)
    logits, _ = model.head.forward(H)  # (T, B, 3)
    ok = np.all((logits.argmax(axis=-1) == Y) | ~mask, axis=0)  # (B,): string n = j + 1
    wrong = np.flatnonzero(~ok)
    return int(wrong[0]) if wrong.size else n_test


def counting_run(cell: str, *, seed: int, lr: float, steps: int = 2000, n_train: int = 20,
                 n_test: int = 200, batch_size: int = 32, eval_every: int = 250) -> dict:
    """Train ``cell`` (a key of :data:`COUNTING_CELLS`) on aⁿbⁿ with n uniform in
    [1, ``n_train``], Adam at ``lr``, gradient norm clipped at 1. Returns a row: the
    :func:`counts_to` value (up to ``n_test``) after every ``eval_every`` steps
    (``counts``) and at the end (``counts_to``), and the parameter count.

    The layer and head are initialised from ``default_rng(seed)`` and the training strings
    drawn from ``default_rng([seed, 1])``, so both cells see the same strings at a seed.
    """
    if cell not in COUNTING_CELLS:
        raise ValueError(f"cell must be one of {list(COUNTING_CELLS)}; got {cell!r}")
    kind, H = COUNTING_CELLS[cell]
    init = np.random.default_rng(seed)
    layer = make_cell(kind, 3, H, init)
    model = SequenceModel(layer, Linear(H, 3, rng=init), loss="softmax", target="every")
    data = np.random.default_rng([seed, 1])

    def batch(_step):
        return tuple(anbn(data.integers(1, n_train + 1, batch_size), T=2 * n_train))

    opt, counts = Adam(lr), []
    for _ in range(steps // eval_every):
        train(model, opt, batch, eval_every, clip_norm=1.0, progress=False)
        counts.append(counts_to(model, n_test))
    return {"cell": cell, "seed": seed, "lr": lr, "steps": steps, "n_train": n_train,
            "params": count_params(model.params), "counts": counts, "counts_to": counts[-1]}


#: the runs given a third, longer budget: (cell, task, learning rates)
LONG_RUNS = (("LSTM", "copy 20", (1e-2, 3e-2)), ("tanh RNN", "adding 50", (1e-2,)))


def long_sweep(*, seeds=range(5), steps: int = 3600, checkpoints=(400, 1200)) -> list[dict]:
    """Rows of :func:`memory_row` for the runs of :data:`LONG_RUNS`, trained for ``steps``."""
    return [memory_row(cell, key, seed=s, lr=lr, steps=steps, checkpoints=checkpoints)
            for cell, key, lrs in LONG_RUNS for lr in lrs for s in seeds]


def full_sweep(*, seeds=range(5), memory_steps: int = 1200, counting_steps: int = 2000,
               long_steps: int = 3600, lrs=(3e-3, 1e-2, 3e-2)) -> dict:
    """The whole experiment of the page: :func:`memory_sweep`, :func:`long_sweep` and
    :func:`counting_run` for every counting cell, seed and learning rate. A JSON-ready dict."""
    counting = [counting_run(c, seed=s, lr=lr, steps=counting_steps)
                for c in COUNTING_CELLS for lr in lrs for s in seeds]
    return {"seeds": list(seeds), "lrs": list(lrs), "memory_steps": memory_steps,
            "counting_steps": counting_steps, "long_steps": long_steps,
            "memory": memory_sweep(seeds=seeds, steps=memory_steps, lrs=lrs),
            "long": long_sweep(seeds=seeds, steps=long_steps,
                               checkpoints=(400, memory_steps)),
            "counting": counting}


def _md(head: list, rows: list) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(map(str, r)) + " |" for r in rows])


def memory_table(results: dict, *, lr: float = 1e-2, short: int = 400) -> str:
    """Markdown: per task and cell at learning rate ``lr``, the runs (of the seeds) that solved
    it by ``short`` steps and by the end, and the final score (median [min, max]) at both."""
    end, out = results["memory_steps"], []
    for key in memory_tasks():
        for cell in MEMORY_CELLS:
            rs = select_rows(results["memory"], task=key, cell=cell, lr=lr)
            out.append([key, cell, rs[0]["params"], f"{solved_by(rs, short)}/{len(rs)}",
                        median_range([r[f"metric_{short}"] for r in rs]),
                        f"{solved_by(rs, end)}/{len(rs)}",
                        median_range([r[f"metric_{end}"] for r in rs])])
    return _md(["task", "cell", "params", f"solved by {short}", f"score after {short}",
                f"solved by {end}", f"score after {end}"], out)


def _budget_row(rs: list, key: str, cell: str, lr: float, short: int, end: int) -> list:
    """One table row for the runs ``rs``: solved by ``short`` steps, solved by ``end``, and
    the score after ``end`` (median [min, max])."""
    return [key, cell, f"{lr:g}", f"{solved_by(rs, short)}/{len(rs)}",
            f"{solved_by(rs, end)}/{len(rs)}", median_range([r[f"metric_{end}"] for r in rs])]


def lr_table(results: dict, *, tasks=("adding 50", "copy 20"), short: int = 400) -> str:
    """Markdown: on ``tasks``, per cell and learning rate, the runs that solved it by
    ``short`` steps and by the end, and the final score (median [min, max])."""
    end, out = results["memory_steps"], []
    for key in tasks:
        for cell in MEMORY_CELLS:
            for lr in results["lrs"]:
                rs = select_rows(results["memory"], task=key, cell=cell, lr=lr)
                out.append(_budget_row(rs, key, cell, lr, short, end))
    return _md(["task", "cell", "learning rate", f"solved by {short}", f"solved by {end}",
                f"score after {end}"], out)


def long_table(results: dict) -> str:
    """Markdown: the runs of :data:`LONG_RUNS`, solved by step 1200 and by the long budget,
    and the final score (median [min, max])."""
    end, mid, out = results["long_steps"], results["memory_steps"], []
    for cell, key, lrs in LONG_RUNS:
        for lr in lrs:
            rs = select_rows(results["long"], task=key, cell=cell, lr=lr)
            out.append(_budget_row(rs, key, cell, lr, mid, end))
    return _md(["task", "cell", "learning rate", f"solved by {mid}", f"solved by {end}",
                f"score after {end}"], out)


def counting_table(results: dict) -> str:
    """Markdown: per counting cell and learning rate, the largest n up to which every aⁿbⁿ is
    recognised, seed by seed and as median [min, max]."""
    out = []
    for cell in COUNTING_CELLS:
        for lr in results["lrs"]:
            rs = sorted(select_rows(results["counting"], cell=cell, lr=lr), key=lambda r: r["seed"])
            n = [r["counts_to"] for r in rs]
            out.append([cell, rs[0]["params"], f"{lr:g}", ", ".join(map(str, n)),
                        median_range(n, ".0f")])
    return _md(["cell", "params", "learning rate", "counts up to n (seed by seed)",
                "median [min, max]"], out)


def main(argv=None) -> None:
    """``python -m rnnlab.book.cell_choice PATH``: run :func:`full_sweep`, write it to PATH."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        raise SystemExit("usage: python -m rnnlab.book.cell_choice PATH.json")
    with open(argv[0], "w", encoding="utf-8") as f:
        json.dump(full_sweep(), f, indent=0)
        f.write("\n")


if __name__ == "__main__":
    main()
