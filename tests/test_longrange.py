"""The recall task and the two chapter-2 experiments (kept small: they train networks)."""

import numpy as np

from rnnlab.longrange import clipping_run, gap_sweep, recall_task


def test_recall_task_layout():
    task = recall_task(gap=3, n_symbols=5)
    X, Y, mask = task.sample(7, np.random.default_rng(0))
    assert X.shape == (5, 7, 6) and Y.shape == (5, 7) and mask.shape == (5, 7)
    ids = X.argmax(-1)
    assert (ids[-1] == 5).all()                 # the query marker at step T
    assert (ids[:-1] < 5).all()                 # symbols everywhere else
    np.testing.assert_array_equal(Y[-1], ids[0])  # the answer is the first symbol
    assert mask[-1].all() and not mask[:-1].any()
    assert task.chance == 0.2 and task.output_size == 5


def test_gap_sweep_learns_a_short_gap_and_its_signal_shrinks_with_the_gap():
    sweep = gap_sweep([1, 12], seeds=[0], steps=250)
    assert sweep.accuracy.shape == (2, 1)
    assert sweep.accuracy[0, 0] >= 0.9          # one distractor: learned
    assert sweep.signal[1] < 0.1 * sweep.signal[0]  # the gradient reaching step 1 shrinks


def test_clipping_keeps_an_exploding_run_finite():
    free = clipping_run(steps=400)
    clipped = clipping_run(clip_norm=0.3, steps=400)
    assert free.diverged                         # the unclipped run blows up
    assert not clipped.diverged and np.isfinite(clipped.loss).all()
    assert clipped.loss[-50:].mean() < 1 / 6     # and learns: below the mean predictor
    assert clipped.grad_norm.max() > 0.3         # clipping was active
