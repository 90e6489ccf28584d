"""The benchmark's FLOP count and a tiny run (its timings themselves are not asserted)."""

import numpy as np

from rnnlab.bench import bench_layer


def test_flop_count_matches_the_documented_lstm_figure():
    r = bench_layer("LSTM", np.float32, peak_gflops=1.0, T=2, B=2, D=3, H=4, repeats=1)
    assert r.gflop == 6 * 2 * 2 * 4 * 4 * (3 + 4) / 1e9
    # the figure: about 1.9 GFLOP per forward+backward at T=100, B=32, D=64, H=128
    assert round(6 * 100 * 32 * 4 * 128 * (64 + 128) / 1e9, 1) == 1.9
    assert r.ms > 0 and r.dtype == "float32"
