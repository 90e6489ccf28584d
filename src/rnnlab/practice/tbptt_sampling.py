"""Task 6: a truncated-BPTT training loop for the character model, and sampling with a
temperature.

Shape legend: ``n`` stream length, ``T`` steps per chunk, ``B`` streams side by side (or
rows of logits), ``V`` vocabulary size, ``H`` hidden size, ``C`` chunks in one pass, ``N``
characters to generate, ``P`` prompt length.

The student writes

* ``train_tbptt(model, ids, V, optimizer, *, batch_size, seq_len, clip_norm) -> losses``:
  one pass over the stream ``ids`` (n,), chunk by chunk (:func:`stream_batches`), the
  state carried from chunk to chunk, the gradient clipped to global norm ``clip_norm``;
  ``losses`` (C,) the loss of every chunk. The reference is the package's
  ``rnnlab.train.train_tbptt`` with ``n_epochs=1``; the model's parameters after the pass
  are compared too.
* ``apply_temperature(logits, temperature) -> p``: softmax(logits / τ) over the last axis,
  (B, V) -> (B, V); and ``sample(model, prompt, n_chars, rng, temperature) -> ids`` (N,):
  read the prompt (P,) with :func:`read`, then draw each character with
  ``rng.choice(V, p=p)`` and feed it back. The references are the package's
  ``rnnlab.train.apply_temperature`` and ``rnnlab.train.sample``, which draw the same
  characters from the same generator.
"""

from __future__ import annotations

import numpy as np

from rnnlab import RNN, SGD, Linear, clip_grad_norm, softmax
from rnnlab.data import one_hot
from rnnlab.train import SequenceModel, apply_temperature, sample, stream_batches, train_tbptt

from ._core import Caller, Mistake, NotDone, Out, StudentError, Task, check

__all__ = ["check_tbptt", "check_sampling", "read", "stream_batches", "one_hot", "char_model"]


def char_model(V: int, H: int, rng: np.random.Generator):
    """A next-character model: a tanh RNN (V -> H) and an output layer (H -> V)."""
    return SequenceModel(RNN(V, H, rng=rng), Linear(H, V, rng=rng), loss="softmax",
                         target="every")


def read(model, ids, state=None):
    """Feed the ids (P,) to ``model`` from ``state`` (None: zeros); return the logits after
    the last one (V,) and the state after it."""
    ids = np.asarray(ids)
    H, cache = model.layer.forward(one_hot(ids[:, None], model.head.output_size), state)
    logits, _ = model.head.forward(H[-1])  # (1, V)
    return logits[0], model.layer.final_state(cache)


# ---- truncated BPTT ------------------------------------------------------------------------
_PARAMS = {"rnn.W": ("H", "V"), "rnn.U": ("H", "H"), "rnn.b": ("H",), "out.W": ("V", "H"),
           "out.b": ("V",)}
TBPTT_OUTPUTS = (
    Out("losses", ("C",), "the loss of each chunk: which inputs, which targets, which state?"),
    *(Out(k, s, "the parameters after the pass: the update of every chunk")
      for k, s in _PARAMS.items()),
)
_TB = {"V": 5, "H": 6, "n": 150, "B": 4, "T": 8, "lr": 0.5, "clip_norm": 0.2}


def _tbptt_cases() -> list:
    cases = []
    for seed in (61, 62):
        rng = np.random.default_rng(seed)
        # a stream with structure: each id is mostly the previous one plus 1
        steps = np.where(rng.random(_TB["n"]) < 0.8, 1, rng.integers(0, _TB["V"], _TB["n"]))
        ids = np.cumsum(steps) % _TB["V"]
        C = len(list(stream_batches(ids, _TB["B"], _TB["T"])))
        cases.append({"sizes": {"C": C, "V": _TB["V"], "H": _TB["H"]}, "ids": ids,
                      "seed": seed})
    return cases


def _tbptt_run(case: dict, call, out: dict) -> None:
    model = char_model(_TB["V"], _TB["H"], np.random.default_rng(case["seed"]))
    losses = call(0, model, case["ids"], _TB["V"], SGD(lr=_TB["lr"]), batch_size=_TB["B"],
                  seq_len=_TB["T"], clip_norm=_TB["clip_norm"])
    out["losses"] = np.asarray(losses, dtype=np.float64) if isinstance(losses, list) \
        else losses
    for k in _PARAMS:
        out[k] = model.params[k].copy()


def _tbptt_mutant(mistake: str) -> tuple:
    """The training loop with one mistake, in the student's signature."""
    def train_tbptt(model, ids, V, optimizer, *, batch_size, seq_len, clip_norm):
        losses, state = [], None
        for inputs, targets in stream_batches(ids, batch_size, seq_len):
            if mistake == "swapped":
                inputs, targets = targets, inputs
            res = model.loss_and_grads(one_hot(inputs, V), targets, state)
            grads = res.grads if mistake == "unclipped" else \
                clip_grad_norm(res.grads, clip_norm)[0]
            optimizer.step(model.params, grads)
            if mistake != "state_reset":
                state = res.final_state
            losses.append(res.loss)
        return losses

    return (train_tbptt,)


def _reference_tbptt(model, ids, V, optimizer, *, batch_size, seq_len, clip_norm):
    history = train_tbptt(model, ids, V, optimizer, batch_size=batch_size, seq_len=seq_len,
                          n_epochs=1, clip_norm=clip_norm, progress=False)
    return history.loss


TBPTT_MISTAKES = (
    Mistake("state_reset", "the state is not carried from chunk to chunk: each chunk starts "
            "from zeros instead of the final state of the one before (truncation stops the "
            "gradient, not the forward pass).", _tbptt_mutant("state_reset")),
    Mistake("unclipped", "the update uses the unclipped gradient: clip_grad_norm returns a "
            "new dict and does not clip in place.", _tbptt_mutant("unclipped")),
    Mistake("swapped", "inputs and targets are swapped: the model reads each chunk's inputs "
            "and predicts the next characters, the targets.", _tbptt_mutant("swapped")),
)

TASK_TBPTT = Task("Truncated BPTT", ("train_tbptt",), TBPTT_OUTPUTS, _tbptt_cases, _tbptt_run,
                  (_reference_tbptt,), TBPTT_MISTAKES)


def check_tbptt(train_tbptt) -> None:
    """Check the student's truncated-BPTT loop against the package's on two small streams
    (n=150 ids, V=5, H=6, B=4 streams, chunks of T=8, SGD lr=0.5, clip_norm=0.2): the loss of
    every chunk and the parameters after the pass.

    Signature of the stub: ``train_tbptt(model, ids, V, optimizer, *, batch_size, seq_len,
    clip_norm) -> losses``.
    """
    check(TASK_TBPTT, (train_tbptt,))


# ---- sampling ------------------------------------------------------------------------------
SAMPLING_OUTPUTS = (
    Out("p", ("B", "V"), "softmax(logits / τ) of every row"),
    Out("ids", ("N",), "read the prompt, then draw, feed back and carry the state", "ids"),
)
_SM = {"V": 6, "H": 8, "B": 3, "N": 20}


def _sampling_cases() -> list:
    cases = []
    for seed, tau, scale in ((71, 0.5, 3.0), (72, 1.0, 3.0), (73, 2.0, 3.0), (74, 0.02, 10.0)):
        rng = np.random.default_rng(seed)
        cases.append({"sizes": {"B": _SM["B"], "V": _SM["V"], "N": _SM["N"]},
                      "logits": scale * rng.standard_normal((_SM["B"], _SM["V"])),
                      "prompt": rng.integers(0, _SM["V"], 4), "tau": tau, "seed": seed})
    return cases


def _sampling_run(case: dict, call, out: dict) -> None:
    out["p"] = call(0, case["logits"], case["tau"])
    model = char_model(_SM["V"], _SM["H"], np.random.default_rng(case["seed"]))
    ids = call(1, model, case["prompt"], _SM["N"], np.random.default_rng(case["seed"] + 100),
               case["tau"])
    out["ids"] = np.asarray(ids) if isinstance(ids, list) else ids


def _sampling_mutant(mistake: str) -> tuple:
    """Temperature and sampling with one mistake, in the student's signatures."""
    def apply_temperature(logits, temperature):
        if mistake == "multiply":
            return softmax(logits * temperature)
        if mistake == "probs_divided":
            return softmax(logits) / temperature
        return softmax(logits / temperature)

    def sample(model, prompt, n_chars, rng, temperature):
        logits, state = read(model, prompt)
        out = []
        for _ in range(n_chars):
            tau = 1.0 if mistake == "ignores_temperature" else temperature
            p = softmax(logits / tau) if mistake == "probs_divided" else \
                apply_temperature(logits, tau)  # p compared only: the draws stay possible
            c = int(np.argmax(p)) if mistake == "greedy" else int(rng.choice(len(p), p=p))
            out.append(c)
            logits, state = read(model, [c], None if mistake == "state_not_carried"
                                 else state)
        return np.array(out)

    return apply_temperature, sample


def _reference_sample(model, prompt, n_chars, rng, temperature):
    return sample(model, prompt, n_chars, rng, temperature=temperature)


SAMPLING_MISTAKES = (
    Mistake("multiply", "the logits are multiplied by τ where they are divided: τ < 1 must "
            "sharpen the distribution.", _sampling_mutant("multiply")),
    Mistake("probs_divided", "the probabilities are divided by τ, not the logits: p no "
            "longer sums to 1.", _sampling_mutant("probs_divided"), ("p",)),
    Mistake("ignores_temperature", "sample draws from the τ = 1 distribution: the "
            "temperature is not passed on to apply_temperature.",
            _sampling_mutant("ignores_temperature"), ("ids",)),
    Mistake("greedy", "sample takes the most probable character (argmax) instead of drawing "
            "one with rng.choice.", _sampling_mutant("greedy"), ("ids",)),
    Mistake("state_not_carried", "the state is not carried from character to character: each "
            "new character is read from the zero state.", _sampling_mutant("state_not_carried"),
            ("ids",)),
)


def _overflow(fns: tuple, cases: list) -> list:
    """softmax(logits / τ) computed without subtracting the row's largest logit first."""
    case = cases[-1]  # logits of size 10 and τ = 0.02: exp overflows unless shifted
    try:
        p = Caller(fns, ("apply_temperature", "sample"))(0, case["logits"], case["tau"])
        bad = not np.isfinite(np.asarray(p, dtype=np.float64)).all()
    except (NotDone, StudentError, TypeError, ValueError):
        return []
    if bad:
        return [("overflow", "exp(logits / τ) overflows for a small τ: softmax does not "
                 "change when the same number is subtracted from every logit of a row.")]
    return []


TASK_SAMPLING = Task("Sampling with a temperature", ("apply_temperature", "sample"),
                     SAMPLING_OUTPUTS, _sampling_cases, _sampling_run,
                     (apply_temperature, _reference_sample), SAMPLING_MISTAKES,
                     (_overflow,))


def check_sampling(apply_temperature, sample) -> None:
    """Check the student's ``apply_temperature`` (on rows of random logits, τ = 0.5, 1, 2,
    0.02) and ``sample`` (20 characters from a small random character model, the same
    generator as the package's ``sample``) against the package's.

    Signatures of the stubs: ``apply_temperature(logits, temperature) -> p``,
    ``sample(model, prompt, n_chars, rng, temperature) -> ids``.
    """
    check(TASK_SAMPLING, (apply_temperature, sample))
