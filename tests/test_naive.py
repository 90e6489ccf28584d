"""The per-character reference char-RNN computes what the batched SequenceModel computes."""

import numpy as np
import pytest

from rnnlab.book import MinCharRNN, char_model, train_naive
from rnnlab.data import one_hot
from rnnlab.train import SGD


def _pair(V=6, H=9, seed=0):
    naive = MinCharRNN(V, H, rng=np.random.default_rng(seed))
    batched = char_model("RNN", V, H, np.random.default_rng(seed + 1))
    p = naive.params
    for name, value in {"rnn.W": p["W"], "rnn.U": p["U"], "rnn.b": p["b"][:, 0],
                        "out.W": p["V_out"], "out.b": p["c"][:, 0]}.items():
        batched.params[name][...] = value
    naive.params["b"][:] = 0.1  # non-zero biases, so their gradients are tested too
    naive.params["c"][:] = -0.2
    batched.params["rnn.b"][:] = 0.1
    batched.params["out.b"][:] = -0.2
    return naive, batched


def test_naive_loss_gradients_and_state_match_the_batched_model():
    V, H, T = 6, 9, 13
    naive, batched = _pair(V, H)
    rng = np.random.default_rng(3)
    ids = rng.integers(0, V, T + 1)
    h0 = rng.standard_normal((H, 1)) * 0.5
    loss, grads, hT = naive.loss_and_grads(ids[:-1].tolist(), ids[1:].tolist(), h0)
    res = batched.loss_and_grads(one_hot(ids[:-1, None], V), ids[1:, None], state=h0.T)
    assert loss / T == pytest.approx(res.loss, rel=1e-12)  # summed vs averaged
    names = {"W": "rnn.W", "U": "rnn.U", "b": "rnn.b", "V_out": "out.W", "c": "out.b"}
    for k, name in names.items():
        np.testing.assert_allclose(grads[k].reshape(res.grads[name].shape) / T,
                                   res.grads[name], rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(hT[:, 0], res.final_state[0], rtol=1e-12)


def test_train_naive_carries_the_state_and_learns():
    V = 3
    ids = np.tile([0, 1, 2, 1], 400)  # a deterministic pattern (the context tells '1')
    model = MinCharRNN(V, 16, rng=np.random.default_rng(0))
    losses, seconds = train_naive(model, ids, SGD(0.5), seq_len=16, n_chars=1_584)
    assert losses.shape == (99,) and seconds > 0
    assert losses[-10:].mean() < 0.2 < np.log(V) - 0.5 < losses[0]
    with pytest.raises(ValueError, match="ids must hold n_chars"):
        train_naive(model, ids[:10], SGD(0.1), seq_len=4, n_chars=10)
