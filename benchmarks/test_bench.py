"""The benchmark's FLOP count, its verdict line and a tiny run (timings are not asserted)."""

import numpy as np
import pytest

from rnnlab.bench import TARGET, BenchResult, bench_layer, gflop, verdict


def test_flop_count_matches_the_documented_lstm_figure():
    r = bench_layer("LSTM", np.float32, peak_gflops=1.0, T=2, B=2, D=3, H=4, repeats=1)
    assert r.gflop == gflop("LSTM", T=2, B=2, D=3, H=4) == 6 * 2 * 2 * 4 * 4 * (3 + 4) / 1e9
    # the figure: about 1.9 GFLOP per forward+backward at T=100, B=32, D=64, H=128
    assert round(gflop("LSTM"), 1) == 1.9
    assert gflop("GRU") == pytest.approx(0.75 * gflop("LSTM"))
    assert gflop("RNN") == pytest.approx(0.25 * gflop("LSTM"))
    assert r.ms > 0 and r.dtype == "float32"


def _result(layer, dtype, fraction):
    return BenchResult(layer, dtype, 10.0, 1.0, 100.0, fraction)


def test_verdict_is_computed_from_the_measured_fraction():
    layer, dtype, goal = TARGET
    assert (layer, dtype, goal) == ("LSTM", "float32", 0.40)
    others = [_result("LSTM", "float64", 0.9), _result("GRU", "float32", 0.9)]
    met = verdict(others + [_result("LSTM", "float32", 0.43)])
    assert met == "LSTM float32 at 43.0% of matmul throughput (10.0 ms): target >= 40% met"
    missed = verdict(others + [_result("LSTM", "float32", 0.399)])
    assert missed.endswith("target >= 40% NOT met") and "39.9%" in missed
    assert "not checked" in verdict(others)


def test_main_prints_the_verdict_line(capsys, monkeypatch):
    import rnnlab.bench as bench

    def tiny(name, dtype, peak, **kw):
        return bench_layer(name, dtype, peak, T=2, B=2, D=3, H=4, repeats=1)

    monkeypatch.setattr(bench, "bench_layer", tiny)
    monkeypatch.setattr(bench, "matmul_gflops", lambda dtype, repeats=5: 1.0)
    results = bench.main(["--quick"])
    out = capsys.readouterr().out.splitlines()
    assert len(results) == 6 and "OPENBLAS_NUM_THREADS=" in out[0]
    assert out[-1] == verdict(results) and out[-1].startswith("LSTM float32 at ")
