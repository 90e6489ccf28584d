"""Exercise 6-3's training experiment: every remedy of (6.50) on one long-range task.

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size.

The remedies of :mod:`rnnlab.book.remedies` are trained side by side on the adding problem
(:func:`rnnlab.book.experiments.adding_task`) with :func:`rnnlab.book.experiments.run`:
Adam, gradient norm clipped at 1 for every cell, the same batches for every cell at a seed.
:data:`REMEDIES` names the cells; :class:`AntisymmetricResidualRNN` is the one cell that needs
a layer of its own, because its structure must survive training. :func:`remedy_sweep` runs
cells × lengths × seeds and returns rows of rounded numbers; :func:`first_step_gradient`
measures what a remedy does to the gradient before training. ``python -m
rnnlab.book.remedy_training PATH`` writes the sweep to a JSON file.
"""

from __future__ import annotations

import json
import sys

import numpy as np

from ..grad.diagnostics import state_grad_norms
from ..layers.rnn import ResidualRNN, RNNCache
from .experiments import adding_task, median_range, run, select_rows, solved_by
from .remedies import GatedResidualRNN, NormalizedResidualRNN, damped_antisymmetric

__all__ = ["AntisymmetricResidualRNN", "REMEDIES", "make_remedy", "remedy_row", "remedy_sweep",
           "first_step_gradient", "remedy_table"]


class AntisymmetricResidualRNN(ResidualRNN):
    """(6.50) with a damped antisymmetric recurrent matrix, kept so during training.

        h_t = h_{t-1} + g(U h_{t-1} + W x_t + b),   U = M - M^T - damping I,

    the idea of the AntisymmetricRNN (Chang et al., ICLR 2019) without its step size.
    Parameters (``params``): ``W`` (H, D), ``M`` (H, H), ``b`` (H,); U is computed from M at
    every forward pass, and dL/dM = dL/dU - (dL/dU)^T. The initial M gives U =
    :func:`~rnnlab.book.remedies.damped_antisymmetric` with the given ``rotation``, and the
    ``damping`` stays what that function chose (I + U is a contraction at the start; training
    may rotate further, the damping does not follow).
    """

    def __init__(self, input_size: int, hidden_size: int, *, rng: np.random.Generator,
                 rotation: float = 0.3, activation: str = "tanh", dtype=np.float64):
        super().__init__(input_size, hidden_size, rng=rng, activation=activation, dtype=dtype)
        U0 = damped_antisymmetric(self.hidden_size, rng, rotation=rotation)
        self.damping = float(-U0[0, 0])
        del self.params["U"]
        self._shapes = {"W": self._shapes["W"], "M": self._shapes["U"], "b": self._shapes["b"]}
        self.params = {"W": self.params["W"], "M": ((U0 - U0.T) / 4).astype(self.dtype),
                       "b": self.params["b"]}

    def recurrent_matrix(self) -> np.ndarray:
        """U (H, H) = M - M^T - damping I."""
        M = self.params["M"]
        return M - M.T - self.damping * np.eye(self.hidden_size, dtype=self.dtype)

    def _as_residual(self) -> ResidualRNN:
        # a plain (6.50) layer with this U, sharing W and b; it runs the equations
        inner = ResidualRNN.__new__(ResidualRNN)
        inner.__dict__ |= self.__dict__
        inner.params = {"W": self.params["W"], "U": self.recurrent_matrix(),
                        "b": self.params["b"]}
        inner._shapes = {"W": self._shapes["W"], "U": self._shapes["M"], "b": self._shapes["b"]}
        return inner

    def forward(self, X: np.ndarray, state=None) -> tuple[np.ndarray, RNNCache]:
        """X (T, B, D), state None or h0 (B, H) -> H (T, B, H) and the cache."""
        self._check_params()
        return self._as_residual().forward(X, state)

    def bptt(self, dH: np.ndarray, cache: RNNCache, dstate_T=None):
        """Backpropagation through time of (6.50) with U = M - M^T - damping I."""
        self._check_params()
        r = self._as_residual().bptt(dH, cache, dstate_T)
        dU = r.grads["U"]
        return r._replace(grads={"W": r.grads["W"], "M": dU - dU.T, "b": r.grads["b"]})


#: the cells of the experiment: (6.50) and its remedies, g = tanh, by display name
REMEDIES = {
    "(6.50) + clipping": lambda D, H, rng: ResidualRNN(D, H, rng=rng),
    "forget gate": lambda D, H, rng: GatedResidualRNN(D, H, rng=rng, forget_bias=2.0),
    "coupled gate": lambda D, H, rng: GatedResidualRNN(D, H, rng=rng, forget_bias=2.0,
                                                       coupled=True),
    "normalised": lambda D, H, rng: NormalizedResidualRNN(D, H, rng=rng),
    "damped antisymmetric": lambda D, H, rng: AntisymmetricResidualRNN(D, H, rng=rng),
}


def make_remedy(name: str, D: int, H: int, rng: np.random.Generator):
    """The layer of :data:`REMEDIES` called ``name``."""
    if name not in REMEDIES:
        raise ValueError(f"name must be one of {list(REMEDIES)}; got {name!r}")
    return REMEDIES[name](D, H, rng)


def remedy_row(name: str, T: int, *, seed: int, steps: int = 1600, lr: float = 1e-2,
               checkpoints=(800,), hidden_size: int = 16) -> dict:
    """One run of ``name`` on the adding problem with ``T`` steps, as a row of rounded
    numbers: the held-out MSE after every step count in ``checkpoints`` and after ``steps``
    (``mse_<n>``, 4 significant digits; Adam has no schedule, so the model after 800 of
    1600 steps is an 800-step run), the first step at which it reached MSE <= 0.01 (None if
    never; scored every 20 steps), whether training diverged, and the parameter count.
    Gradients are clipped at norm 1 for every cell."""
    rec = run(lambda D, H, rng: make_remedy(name, D, H, rng), adding_task(T), seed=seed,
              hidden_size=hidden_size, steps=steps, lr=lr, clip_norm=1.0, name=name,
              progress=False)
    row = {"cell": name, "T": T, "seed": seed, "steps": steps, "lr": lr,
           "params": rec.n_params, "solved_at": rec.steps_to_threshold,
           "diverged": bool(rec.diverged)}
    for n in (*checkpoints, steps):
        hit = np.flatnonzero(rec.eval_steps == n)
        row[f"mse_{n}"] = float(f"{rec.eval_metric[hit[0]]:.4g}") if hit.size else None
    return row


def remedy_sweep(*, lengths=(20, 50), seeds=range(5), steps: int = 1600, short: int = 800,
                 lrs=(3e-3, 3e-2), lr_lengths=(20,), cells=tuple(REMEDIES)) -> list[dict]:
    """Rows of :func:`remedy_row`: every cell × length × seed at learning rate 1e-2 for
    ``steps`` (with the MSE after ``short`` steps), and, for the lengths in ``lr_lengths``,
    ``short`` steps at each of the other learning rates ``lrs``."""
    rows = []
    for T in lengths:
        for c in cells:
            rows += [remedy_row(c, T, seed=s, steps=steps, checkpoints=(short,)) for s in seeds]
            rows += [remedy_row(c, T, seed=s, steps=short, lr=lr, checkpoints=())
                     for lr in (lrs if T in lr_lengths else ()) for s in seeds]
    return rows


def first_step_gradient(name: str, *, T: int = 100, H: int = 16, D: int = 2, B: int = 8,
                        seed: int = 0) -> float:
    """||dL_T/dh_1|| / ||dL_T/dh_T|| of the untrained cell ``name`` (initialised from
    ``default_rng(seed)``) on inputs ~ 0.5 N(0, 1) of shape (T, B, D): how much of the
    gradient of a loss at the last step reaches the first."""
    rng = np.random.default_rng(seed)
    layer = make_remedy(name, D, H, rng)
    norms = state_grad_norms(layer, 0.5 * rng.standard_normal((T, B, D)))
    return float(norms[0] / norms[-1])


def remedy_table(results: dict, *, lr: float = 1e-2) -> str:
    """Markdown, one row per cell and length: the parameters, the runs (of the seeds) that
    reached MSE <= 0.01 by the short budget and by the end at learning rate ``lr``, the final
    MSE (median [min, max]), and, at the lengths of the learning-rate sweep, the runs solved
    by the short budget at the other learning rates ("—" where not run)."""
    short, end = results["short"], results["steps"]
    others = [x for x in results["lrs"] if x != lr]
    head = ["cell", "T", "params", f"solved by {short} / {end}",
            f"MSE after {end}, median [min, max]",
            f"solved by {short} at learning rate " + " / ".join(f"{x:g}" for x in others)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for cell in REMEDIES:
        for T in results["lengths"]:
            rs = select_rows(results["runs"], cell=cell, T=T, lr=lr)
            sweep = "—"
            if T in results["lr_lengths"]:
                sweep = " / ".join(str(solved_by(select_rows(results["runs"], cell=cell, T=T,
                                                             lr=x), short)) for x in others)
                sweep += f" of {len(rs)}"
            row = [cell, str(T), str(results["params"][cell]),
                   f"{solved_by(rs, short)} / {solved_by(rs, end)} of {len(rs)}",
                   median_range([r[f"mse_{end}"] for r in rs]), sweep]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def main(argv=None) -> None:
    """``python -m rnnlab.book.remedy_training PATH``: run :func:`remedy_sweep`, write it."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        raise SystemExit("usage: python -m rnnlab.book.remedy_training PATH.json")
    rows = remedy_sweep()
    params = {r["cell"]: r["params"] for r in rows}
    with open(argv[0], "w", encoding="utf-8") as f:
        json.dump({"lengths": [20, 50], "seeds": list(range(5)), "steps": 1600, "short": 800,
                   "lrs": [3e-3, 1e-2, 3e-2], "lr_lengths": [20], "hidden_size": 16,
                   "params": params,
                   "runs": rows}, f, indent=0)
        f.write("\n")


if __name__ == "__main__":
    main()
