"""The benchmark's FLOP count, its verdict line and a tiny run (timings are not asserted).

The benchmark is a script outside the package, ``benchmarks/bench.py``; it is loaded here
from its file.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_flop_count_matches_the_documented_lstm_figure(bench):
    r = bench.bench_layer("LSTM", np.float32, peak_gflops=1.0, T=2, B=2, D=3, H=4, repeats=1)
    assert r.gflop == bench.gflop("LSTM", T=2, B=2, D=3, H=4) == 6 * 2 * 2 * 4 * 4 * 7 / 1e9
    # the figure: about 1.9 GFLOP per forward+backward at T=100, B=32, D=64, H=128
    assert round(bench.gflop("LSTM"), 1) == 1.9
    assert bench.gflop("GRU") == pytest.approx(0.75 * bench.gflop("LSTM"))
    assert bench.gflop("RNN") == pytest.approx(0.25 * bench.gflop("LSTM"))
    assert r.ms > 0 and r.dtype == "float32"


def test_verdict_is_computed_from_the_measured_fraction(bench):
    def result(layer, dtype, fraction):
        return bench.BenchResult(layer, dtype, 10.0, 1.0, 100.0, fraction)

    assert bench.TARGET == ("LSTM", "float32", 0.15)
    others = [result("LSTM", "float64", 0.9), result("GRU", "float32", 0.9)]
    met = bench.verdict(others + [result("LSTM", "float32", 0.19)])
    assert met == "LSTM float32 at 19.0% of matmul throughput (10.0 ms): target >= 15% met"
    missed = bench.verdict(others + [result("LSTM", "float32", 0.149)])
    assert missed.endswith("target >= 15% NOT met") and "14.9%" in missed
    assert "not checked" in bench.verdict(others)


def test_main_prints_the_verdict_line(bench, capsys, monkeypatch):
    layer_bench = bench.bench_layer

    def tiny(name, dtype, peak, **kw):
        return layer_bench(name, dtype, peak, T=2, B=2, D=3, H=4, repeats=1)

    monkeypatch.setattr(bench, "bench_layer", tiny)
    monkeypatch.setattr(bench, "matmul_gflops", lambda dtype, repeats=5: 1.0)
    monkeypatch.setattr(bench, "frame_cpu_ms", lambda: (42.0, 50.0))
    results = bench.main(["--quick"])
    out = capsys.readouterr().out.splitlines()
    assert len(results) == 6 and "OPENBLAS_NUM_THREADS=" in out[0]
    assert out[-2] == "slider frame: 42 ms CPU (median wall 50 ms): budget <= 100 ms met"
    assert out[-1] == bench.verdict(results) and out[-1].startswith("LSTM float32 at ")


def test_frame_benchmark_renders_fourteen_frames(bench):
    cpu_ms, wall_ms = bench.frame_cpu_ms()  # a measurement: its size is not asserted here
    assert cpu_ms > 0 and wall_ms > 0
    assert bench.frame_verdict(101, 90).endswith("budget <= 100 ms NOT met")
