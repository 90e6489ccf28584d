"""The chapter-2 gradient profile: the bound holds, is attained near z = 0, and is drawn."""

import matplotlib.pyplot as plt
import numpy as np

from rnnlab.book import draw_profile, norms_and_bound


def test_profile_shapes_bound_and_normalisation():
    d = norms_and_bound(0.9, "tanh", 20, 0.5)
    assert d["norms"].shape == d["bound"].shape == (20,)
    assert abs(d["norms"][-1] - 1) < 1e-12                 # ||dL_T/dh_T|| = 1
    np.testing.assert_allclose(d["bound"], 0.9 ** np.arange(19, -1, -1), rtol=1e-12)
    assert np.all(d["norms"] <= d["bound"] * (1 + 1e-9))


def test_tiny_inputs_attain_the_bound_and_sigmoid_has_gamma_quarter():
    # near z = 0, tanh' = 1 and U^T = sigma_1 Q^T is sigma_1 times an isometry: norm = bound
    d = norms_and_bound(0.9, "tanh", 15, 1e-6)
    np.testing.assert_allclose(d["norms"], d["bound"], rtol=1e-6)
    s = norms_and_bound(8.0, "sigmoid", 15, 0.5)
    assert s["gamma"] == 0.25 and s["bound"][0] == 2.0 ** 14   # (gamma_f sigma_1)^(T-1)


def test_relu_profile_does_not_depend_on_the_input_scale():
    # a bias-free ReLU network is positively homogeneous: f'(c z) = f'(z) for c > 0
    a, b = (norms_and_bound(2.0, "relu", 25, s)["norms"] for s in (0.01, 2.0))
    np.testing.assert_allclose(a, b, rtol=1e-10)


def test_draw_profile_labels_the_regime():
    fig, ax = plt.subplots()
    d = norms_and_bound(1.1, "tanh", 30, 0.5)
    assert draw_profile(ax, d, 1.1, "tanh", 30, 0.5) is ax
    assert "explosion possible" in ax.get_title() and len(ax.get_lines()) >= 2
    plt.close(fig)
