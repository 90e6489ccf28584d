"""Truncated BPTT over a stream: batchify, chunking, state carrying, bits per character."""

import numpy as np
import pytest

from rnnlab.data import BracketLanguage, Vocab, one_hot
from rnnlab.layers import RNN, Linear
from rnnlab.train import (
    SGD,
    Adam,
    SequenceModel,
    batchify,
    evaluate_bpc,
    stream_batches,
    train_tbptt,
)

V, H = 5, 8


def _model(seed=0, hidden=H, vocab=V):
    rng = np.random.default_rng(seed)
    return SequenceModel(RNN(vocab, hidden, rng=rng), Linear(hidden, vocab, rng=rng))


def _ids(n=103, seed=1):
    return np.random.default_rng(seed).integers(0, V, size=n)


def test_batchify_cuts_contiguous_columns():
    ids = np.arange(23)
    data = batchify(ids, 4)  # 23 // 4 = 5 rows; the last 3 ids are dropped
    assert data.shape == (5, 4)
    for b in range(4):
        np.testing.assert_array_equal(data[:, b], ids[5 * b:5 * b + 5])


def test_stream_batches_cover_each_column_in_order_without_overlap():
    ids = np.arange(50)
    data = batchify(ids, 3)  # (16, 3)
    chunks = list(stream_batches(ids, 3, 4))
    assert [x.shape for x, _ in chunks] == [(4, 3), (4, 3), (4, 3), (3, 3)]
    np.testing.assert_array_equal(np.concatenate([x for x, _ in chunks]), data[:-1])
    np.testing.assert_array_equal(np.concatenate([y for _, y in chunks]), data[1:])
    for x, y in chunks:  # the target is the next symbol of the same column
        np.testing.assert_array_equal(x[1:], y[:-1])


def test_stream_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"ids must hold at least 2 \* batch_size = 8"):
        list(stream_batches(np.arange(7), 4, 2))
    with pytest.raises(ValueError, match=r"ids must be a 1-D integer array \(n,\)"):
        batchify(np.zeros((4, 2), int), 2)
    with pytest.raises(TypeError, match="seq_len must be a positive int"):
        list(stream_batches(np.arange(20), 2, 2.5))
    with pytest.raises(ValueError, match=r"ids must lie in \[0, vocab_size=5\)"):
        train_tbptt(_model(), np.arange(20), V, SGD(0.1), batch_size=2, seq_len=3, n_steps=1,
                    progress=False)
    with pytest.raises(ValueError, match="exactly one of n_epochs and n_steps"):
        train_tbptt(_model(), _ids(), V, SGD(0.1), batch_size=2, seq_len=3, progress=False)
    with pytest.raises(ValueError, match="vocab_size=6 one-hot inputs"):
        train_tbptt(_model(), _ids(), 6, SGD(0.1), batch_size=2, seq_len=3, n_steps=1,
                    progress=False)


def _manual(model, ids, n_steps, carry):
    """The definition of truncated BPTT written out: state flows, gradients stop."""
    opt, done = SGD(0.5), 0
    while done < n_steps:
        state = None
        for x, y in stream_batches(ids, 4, 6):
            res = model.loss_and_grads(one_hot(x, V), y, state=state)
            opt.step(model.params, res.grads)
            state = res.final_state if carry else None
            done += 1
            if done == n_steps:
                break
    return model


def test_train_tbptt_carries_the_state_and_truncates_the_gradient():
    ids = _ids(120)  # batchify(., 4) has 30 rows: ceil(29 / 6) = 5 chunks per epoch
    n_steps = 7      # wraps into a second epoch, which restarts from the zero state
    model = _model()
    hist = train_tbptt(model, ids, V, SGD(0.5), batch_size=4, seq_len=6, n_steps=n_steps,
                       progress=False)
    assert hist.loss.shape == (n_steps,)
    ref, no_carry = _manual(_model(), ids, n_steps, True), _manual(_model(), ids, n_steps, False)
    for k in model.params:
        np.testing.assert_array_equal(model.params[k], ref.params[k])
    assert any(not np.allclose(model.params[k], no_carry.params[k]) for k in model.params)
    epochs = train_tbptt(_model(), ids, V, SGD(0.5), batch_size=4, seq_len=6, n_epochs=2,
                         progress=False)
    assert epochs.loss.shape == (10,)


def test_evaluate_bpc_does_not_depend_on_the_chunk_length():
    model, ids = _model(), _ids(400)
    short = evaluate_bpc(model, ids, V, batch_size=4, seq_len=3)
    long = evaluate_bpc(model, ids, V, batch_size=4, seq_len=1000)
    assert short == pytest.approx(long, rel=1e-12)  # the state is carried across chunks
    model.params["out.W"][:] = 0  # constant logits: uniform prediction, log2 V bits
    assert evaluate_bpc(model, ids, V) == pytest.approx(np.log2(V), rel=1e-12)


def test_train_tbptt_learns_the_bracket_language():
    lang = BracketLanguage()
    Vb = len(lang.alphabet)
    vocab = Vocab(lang.alphabet)
    train_ids = vocab.encode(lang.sample(60_000, np.random.default_rng(0)))
    val_ids = vocab.encode(lang.sample(10_000, np.random.default_rng(1)))
    model = _model(hidden=32, vocab=Vb)
    before = evaluate_bpc(model, val_ids, Vb)
    hist = train_tbptt(model, train_ids, Vb, Adam(1e-2), batch_size=32, seq_len=32,
                       n_epochs=1, clip_norm=5.0, progress=False)
    after = evaluate_bpc(model, val_ids, Vb)
    assert not hist.diverged and before > np.log2(Vb) - 0.1
    # below what any memoryless model can reach; above the exact entropy rate
    assert lang.entropy_rate() < after < lang.unigram_entropy()
