"""Every layer and option the package offers, as name -> factory, shared by the tests.

A factory takes (D, H, rng, dtype, long_memory) and returns a layer.

``long_memory=False`` is a generic random initialisation. ``long_memory=True`` puts the
layer where a gradient from step T still reaches step 1 well above the finite-difference
noise floor (about 1e-10 relative to the loss in float64): an orthogonal U at 1/gamma for
the simple RNNs, large forget/update-gate biases for the gated ones. The tests with a
loss on the last step only use it: outside that regime dL/dh_0 is a product of T
contracting Jacobians, smaller than any central difference resolves, and a check of it to
1e-7 would measure rounding, not the code.
"""


from rnnlab import GRU, LSTM, RNN, Bidirectional, ResidualRNN, Stacked
from rnnlab.layers import recurrent_matrix

GAMMA = {"tanh": 1.0, "relu": 1.0, "identity": 1.0, "sigmoid": 0.25}


def _rnn(activation, cls=RNN):
    def make(D, H, rng, dtype, long_memory=False):
        layer = cls(D, H, rng=rng, activation=activation, dtype=dtype)
        # all singular values equal to 1/gamma: no direction dies out. ResidualRNN keeps its
        # default init (U included): the identity path of (6.50) carries the gradient anyway
        if long_memory and cls is not ResidualRNN:
            layer.params["U"][:] = recurrent_matrix(H, rng, sigma_max=1 / GAMMA[activation],
                                                    kind="orthogonal")
            layer.params["W"] *= 0.3
        layer.params["b"][:] = rng.uniform(0.0, 0.5, H) if activation == "relu" else \
            rng.uniform(-0.2, 0.2, H)
        return layer
    return make


def _lstm(**kw):
    has_f = kw.get("forget_gate", True) and not kw.get("coupled", False)

    def make(D, H, rng, dtype, long_memory=False):
        opts = dict(kw)  # never mutate kw: every layer this factory makes gets the same options
        if has_f:  # only a forget gate has a bias b_f
            opts["forget_bias"] = 3.0 if long_memory else kw.get("forget_bias", 1.0)
        layer = LSTM(D, H, rng=rng, dtype=dtype, **opts)
        if long_memory and layer.coupled:
            layer.params["b_i"][:] = -3.0  # f = 1 - i close to 1
        for name, p in layer.params.items():
            if name.startswith("V_"):
                p[:] = rng.uniform(-0.5, 0.5, H)
        return layer
    return make


def _gru(reset_after):
    def make(D, H, rng, dtype, long_memory=False):
        layer = GRU(D, H, rng=rng, reset_after=reset_after, dtype=dtype,
                    update_bias=3.0 if long_memory else 0.5)
        if reset_after:
            layer.params["b_Uh"][:] = rng.uniform(-0.5, 0.5, H)
        return layer
    return make


def _stacked(D, H, rng, dtype, long_memory=False):
    return Stacked([_rnn("tanh")(D, H, rng, dtype, long_memory),
                    _lstm()(H, H + 1, rng, dtype, long_memory),
                    _gru(False)(H + 1, H, rng, dtype, long_memory)])


def _bidirectional(D, H, rng, dtype, long_memory=False):
    return Bidirectional(_lstm()(D, H, rng, dtype, long_memory),
                         _gru(True)(D, H + 1, rng, dtype, long_memory))


CONFIGS = {
    "RNN tanh": _rnn("tanh"),
    "RNN sigmoid": _rnn("sigmoid"),
    "RNN relu": _rnn("relu"),
    "RNN identity": _rnn("identity"),
    "ResidualRNN tanh": _rnn("tanh", ResidualRNN),
    "ResidualRNN sigmoid": _rnn("sigmoid", ResidualRNN),
    "LSTM": _lstm(),
    "LSTM peephole": _lstm(peephole=True),
    "LSTM coupled": _lstm(coupled=True),
    "LSTM coupled+peephole": _lstm(coupled=True, peephole=True),
    "LSTM no forget gate": _lstm(forget_gate=False),
    "LSTM no forget gate+peephole": _lstm(forget_gate=False, peephole=True),
    "LSTM forget_bias=2": _lstm(forget_bias=2.0),
    "GRU reset before (NNDL)": _gru(False),
    "GRU reset after (PyTorch)": _gru(True),
    "Stacked RNN/LSTM/GRU": _stacked,
    "Bidirectional LSTM|GRU": _bidirectional,
}


def random_state(layer, B, rng, dtype):
    """A random initial state in the form the layer takes."""
    if isinstance(layer, Stacked):
        return [random_state(part, B, rng, dtype) for part in layer.layers]
    if isinstance(layer, Bidirectional):
        return (random_state(layer.fwd, B, rng, dtype), random_state(layer.bwd, B, rng, dtype))
    parts = tuple(rng.uniform(-0.5, 0.5, (B, layer.hidden_size)).astype(dtype)
                  for _ in range(layer.n_states))
    return parts if layer.n_states == 2 else parts[0]
