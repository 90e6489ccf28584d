"""The character language models of chapter 10 over several initialisations.

Shape legend: ``V`` vocabulary size, ``H`` hidden size, ``J`` distance bins.

The chapter trains each model once, from seed 0, and reads much into small differences:
which cell predicts best, which keeps the opener of a bracket longest. :func:`seed_study`
repeats that run from other initialisations -- the same stream, the same validation texts,
the same budget and schedule, only the initial weights drawn from another seed -- and keeps
what each verdict rests on: the final validation bits per character and, per distance bin,
the share of the closing mass that went to the right bracket. ``python -m
rnnlab.book.lm_seeds PATH`` writes it to a JSON file, which the page loads; seed 0 is the
page's own run, which the page compares with the file.
"""

from __future__ import annotations

import json
import sys

import numpy as np

from ..data.brackets import BracketLanguage
from ..layers.cells import CELLS
from ..train.optim import Adam
from .lm import (
    binned_mean,
    char_model,
    closer_type_probability,
    hidden_for_budget,
    n_params,
    sample_lm_data,
    stream_probs,
    train_lm,
)

__all__ = ["seed_study"]

# Distance bins of a closer from its opener: 1, 2-3, 4-7, ..., 256-1023.
EDGES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 1024)


def seed_study(seeds=(0, 1, 2, 3, 4), *, n_train: int = 2_000_000, n_val: int = 64,
               val_len: int = 2_500, data_seed: int = 0, progress: bool = False) -> dict:
    """Every cell of ``CELLS`` at the simple RNN's budget (H = 128), trained as on the
    page from each seed in ``seeds``; returns a JSON-ready dict: the configuration, the
    bins, and one row per (cell, seed) with H, the final validation bpc and the closer
    share per bin (J,)."""
    lang = BracketLanguage()
    data = sample_lm_data(lang, n_train, n_val, val_len,
                          train_rng=np.random.default_rng(data_seed),
                          val_rng=np.random.default_rng(data_seed + 1))
    V = len(data.vocab)
    budget = n_params("RNN", V, 128)
    positions, distances = zip(*(lang.closing_distances(t) for t in data.val_texts),
                               strict=True)
    dist = np.concatenate(distances)
    closers = data.vocab.encode(")]")
    rows = []
    for seed in seeds:
        for cell in CELLS:
            H = hidden_for_budget(cell, V, budget)
            model = char_model(cell, V, H, np.random.default_rng(seed))
            run = train_lm(model, data.train_ids, data.val_ids, V, Adam(1e-2),
                           batch_size=32, seq_len=64, n_segments=10, clip_norm=1.0,
                           lr_decay=0.8, val_batch_size=n_val, progress=progress,
                           desc=f"{cell}, seed {seed}")
            P = stream_probs(run.model, data.val_cols, V)
            p_right = closer_type_probability(P, data.val_cols, closers, positions)
            share = binned_mean(dist, p_right, EDGES)[0]
            rows.append({"cell": cell, "seed": int(seed), "H": int(H),
                         "bpc": round(float(run.val_bpc[-1]), 5),
                         "share": [None if np.isnan(s) else round(float(s), 5)
                                   for s in share]})  # None: no closer in the bin
    config = {"n_train": n_train, "n_val": n_val, "val_len": val_len,
              "data_seed": data_seed, "budget": int(budget), "lr": 1e-2,
              "batch_size": 32, "seq_len": 64, "n_segments": 10, "clip_norm": 1.0,
              "lr_decay": 0.8}
    return {"config": config, "edges": list(EDGES), "rows": rows}


if __name__ == "__main__":  # python -m rnnlab.book.lm_seeds PATH
    if len(sys.argv) != 2:
        sys.exit("usage: python -m rnnlab.book.lm_seeds PATH (the JSON file to write)")
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        json.dump(seed_study(progress=True), f, indent=1)
        f.write("\n")
