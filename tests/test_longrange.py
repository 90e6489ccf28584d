"""rnnlab.book.longrange: the recall task, the gap sweep and the clipping run (small runs)."""

import numpy as np

from rnnlab.book import clipping_run, gap_sweep, recall_task


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



def test_separate_distractors_layout():
    task = recall_task(gap=6, n_symbols=4, n_distractors=3)
    X, Y, mask = task.sample(500, np.random.default_rng(0))
    ids = X.argmax(-1)                                    # (T, B)
    assert X.shape == (8, 500, 8) and task.input_size == 8 and task.output_size == 4
    assert (ids[0] < 4).all()                             # the evidence: a recalled symbol
    assert ((ids[1:-1] >= 4) & (ids[1:-1] < 7)).all()     # distractors: only the other alphabet
    assert (ids[-1] == 7).all()                           # the query marker
    np.testing.assert_array_equal(Y[-1], ids[0])
    assert mask[-1].all() and not mask[:-1].any() and task.chance == 0.25
    assert set(np.unique(ids[1:-1])) == {4, 5, 6}         # every distractor occurs


def test_no_majority_shortcut_with_separate_distractors():
    # guessing the most frequent recallable symbol of the sequence: above chance when the
    # distractors share the alphabet, impossible (no recallable symbol but the first) otherwise
    def majority_accuracy(task):
        X, Y, _ = task.sample(4000, np.random.default_rng(1))
        counts = X[:-1, :, :4].sum(axis=0)                # (B, 4) occurrences of symbols 0..3
        return np.mean(counts.argmax(-1) == Y[-1])
    assert majority_accuracy(recall_task(10, 4)) > 0.3    # shortcut: well above 0.25
    sep = recall_task(10, 4, n_distractors=4)
    X, _, _ = sep.sample(100, np.random.default_rng(2))
    assert X[1:-1, :, :4].sum() == 0                      # no recallable symbol after step 1


def test_default_recall_task_is_unchanged():
    # the same-alphabet default draws evidence and distractors in one call, as before
    X, _, _ = recall_task(3, 5).sample(7, np.random.default_rng(0))
    ids = np.random.default_rng(0).integers(0, 5, size=(4, 7))
    np.testing.assert_array_equal(X.argmax(-1)[:-1], ids)


def test_gap_sweep_scores_on_eval_size_sequences():
    sweep = gap_sweep([1], seeds=[0], steps=20, n_distractors=2, eval_size=1000)
    assert sweep.eval_size == 1000 and sweep.accuracy.shape == (1, 1)
    k = sweep.accuracy[0, 0] * 1000
    assert abs(k - round(k)) < 1e-9                       # a multiple of 1/1000
    np.testing.assert_array_equal(sweep.median, np.median(sweep.accuracy, axis=1))
