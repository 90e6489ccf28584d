"""Benchmark: forward + backward time of RNN, LSTM and GRU against the machine's matmul speed.

Run ``python benchmarks/bench.py`` from the repository root (``--quick`` for fewer
repeats); it imports the installed ``rnnlab``. Shape legend: ``T`` steps, ``B`` batch,
``D`` input size, ``H`` hidden size, ``G`` gate blocks (1 RNN, 3 GRU, 4 LSTM).

A forward + backward pass does six matrix products of the same size per gate block and
step — W x and U h forward; dX, dW, dU and dh_{t-1} backward — so its useful work is

    FLOPs = 6 T B G H (D + H)                                     (:func:`gflop`)

(about 1.9 GFLOP for the LSTM at T=100, B=32, D=64, H=128). The achieved rate is divided
by the rate of one large matrix product measured in the same run (before, between and
after the rounds of layer timings, the highest), the most this NumPy and BLAS can deliver
on this machine; the rest of the time goes to element-wise gate arithmetic on one core
(above all tanh, which the sigmoid is computed from), fresh memory for the records of
every pass (the C allocator may have handed freed memory back to the operating system,
and each page then costs a fault on first touch), and Python's per-step overhead. The
last line compares the LSTM in float32 with the target of :data:`TARGET`; the line before it
times one frame of a typical slider figure against :data:`FRAME_BUDGET_MS`.

Nothing is pinned: both rates are measured under the BLAS threading the process starts
with (set ``OPENBLAS_NUM_THREADS`` before starting Python to compare), and the header
reports it together with the CPU count and the load average. On a busy machine the
per-step products (small, threaded) slow down far more than the large reference
product, so the fractions are only meaningful on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import NamedTuple

import numpy as np

from rnnlab.layers import CELLS, GATE_BLOCKS
from rnnlab.viz import SliderFigure

__all__ = ["BenchResult", "TARGET", "FRAME_BUDGET_MS", "gflop", "matmul_gflops", "bench_layer",
           "verdict", "frame_cpu_ms", "frame_verdict", "main"]

#: the goal the benchmark checks: (layer, dtype, least fraction of the matmul rate). It guards
#: the readable layers against slowing down. Their loops make one NumPy call per gate equation
#: and step, so the per-call cost, not the arithmetic, bounds them; a higher fraction would
#: need machinery that hides the equations (reused record memory, out= buffers, one
#: element-wise call across several gates), which this package leaves out on purpose.
TARGET = ("LSTM", "float32", 0.15)

#: a slider frame (compute + draw + encode) should take at most this much CPU time
FRAME_BUDGET_MS = 100

THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


class BenchResult(NamedTuple):
    """One measurement: layer name, dtype name, best ms per forward+backward, GFLOP of
    useful work, achieved GFLOP/s and the fraction of the matmul peak."""

    layer: str
    dtype: str
    ms: float
    gflop: float
    gflops: float
    fraction: float


def gflop(name: str, T: int = 100, B: int = 32, D: int = 64, H: int = 128) -> float:
    """Useful work of one forward + backward pass of layer ``name`` in GFLOP:
    6 T B G H (D + H), with G = :data:`GATE_BLOCKS` [name]."""
    return 6 * T * B * GATE_BLOCKS[name] * H * (D + H) / 1e9


def _best_seconds(fn, repeats: int) -> float:
    fn()  # warm up (allocations, BLAS threads)
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def matmul_gflops(dtype, n: int = 1024, repeats: int = 5) -> float:
    """GFLOP/s of an (n, n) @ (n, n) product: 2 n^3 flops, best of ``repeats``."""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((n, n)).astype(dtype)
    Bm = rng.standard_normal((n, n)).astype(dtype)
    return 2 * n**3 / _best_seconds(lambda: A @ Bm, repeats) / 1e9


def bench_layer(name: str, dtype, peak_gflops: float, *, T: int = 100, B: int = 32,
                D: int = 64, H: int = 128, repeats: int = 5) -> BenchResult:
    """Time forward + backward of one layer at (T, B, D, H); best of ``repeats``."""
    rng = np.random.default_rng(0)
    layer = CELLS[name](D, H, rng=rng, dtype=dtype)
    X = rng.standard_normal((T, B, D)).astype(dtype)
    dH = rng.standard_normal((T, B, H)).astype(dtype)

    def step():
        _, cache = layer.forward(X)
        layer.backward(dH, cache)

    seconds = _best_seconds(step, repeats)
    work = gflop(name, T, B, D, H)
    return BenchResult(name, np.dtype(dtype).name, 1e3 * seconds, work, work / seconds,
                       work / seconds / peak_gflops)


def verdict(results, target=TARGET) -> str:
    """The line that says whether ``target`` = (layer, dtype, fraction) is met by
    ``results`` (:class:`BenchResult` s); computed from the measurement, never assumed."""
    layer, dtype, goal = target
    found = [r for r in results if r.layer == layer and r.dtype == dtype]
    if not found:
        return f"{layer} {dtype} was not measured: target >= {goal:.0%} not checked"
    r = found[0]
    status = "met" if r.fraction >= goal else "NOT met"
    return (f"{layer} {dtype} at {r.fraction:.1%} of matmul throughput "
            f"({r.ms:.1f} ms): target >= {goal:.0%} {status}")


def frame_cpu_ms() -> tuple[float, float]:
    """(mean CPU ms, median wall ms) per frame of a typical line-plot slider: 14 frames after
    one warm-up frame. CPU time (``time.process_time``): matplotlib draws on one thread, so
    it is the wall time of an idle machine, and other load does not inflate it."""
    def draw(ax, gamma, t):
        k = np.arange(t + 1)
        ax.semilogy(k, gamma ** k.astype(float), lw=2)
        ax.set_ylim(1e-6, 1e6)
        ax.set_yticks([1e-6, 1e-3, 1, 1e3, 1e6], ["1e−6", "1e−3", "1", "1e3", "1e6"])
        ax.minorticks_off()
        ax.set_xlabel("t − k")
        ax.set_title(f"γ = {gamma}, t = {t}")
        ax.grid(True, alpha=0.3)

    fig = SliderFigure(draw, {"gamma": [0.5, 0.9, 1.0, 1.1, 1.5], "t": [10, 30, 60]})
    fig.render(gamma=0.5, t=10)  # the warm-up frame
    cpu_start = time.process_time()
    fig.frames()
    n = len(fig.frame_seconds) - 1  # the frames rendered by frames(): all but the warm-up
    return (time.process_time() - cpu_start) / n * 1e3, fig.median_frame_ms


def frame_verdict(cpu_ms: float, wall_ms: float, budget: float = FRAME_BUDGET_MS) -> str:
    """The line that says whether a slider frame stays within ``budget`` ms of CPU time."""
    status = "met" if cpu_ms <= budget else "NOT met"
    return (f"slider frame: {cpu_ms:.0f} ms CPU (median wall {wall_ms:.0f} ms): "
            f"budget <= {budget:g} ms {status}")


def _machine_line() -> str:
    threads = ", ".join(f"{v}={os.environ.get(v, 'unset')}" for v in THREAD_VARS)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    busy = f"; load average {load[0]:.2f} (1 min)" if load else ""
    return f"{cpus} CPUs{busy}; {threads}"


def main(argv=None) -> list[BenchResult]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args(argv)
    repeats, rounds = (2, 1) if args.quick else (7, 3)
    results = []
    print(f"T=100, B=32, D=64, H=128; best of {rounds} rounds x {repeats} runs; "
          f"{_machine_line()}")
    print(f"{'layer':<6}{'dtype':<9}{'ms/fwd+bwd':>11}{'GFLOP':>8}{'GFLOP/s':>9}"
          f"{'of matmul':>11}")
    for dtype in (np.float32, np.float64):
        # rounds spread every measurement over the run, so that a slow spell of a shared
        # machine does not decide a figure: each layer's fastest time and the highest
        # matmul rate (measured before, between and after the rounds) are kept
        peaks, best = [], {}
        for _ in range(rounds):
            peaks.append(matmul_gflops(dtype, repeats=repeats))
            for name in ("RNN", "LSTM", "GRU"):
                r = bench_layer(name, dtype, 1.0, repeats=repeats)
                if name not in best or r.ms < best[name].ms:
                    best[name] = r
        peaks.append(matmul_gflops(dtype, repeats=repeats))
        peak = max(peaks)
        print(f"matmul 1024^3 {np.dtype(dtype).name}: {peak:.1f} GFLOP/s "
              f"(highest of {len(peaks)}; lowest {min(peaks):.1f})")
        for r in best.values():
            r = r._replace(fraction=r.gflops / peak)
            results.append(r)
            print(f"{r.layer:<6}{r.dtype:<9}{r.ms:>11.1f}{r.gflop:>8.3f}{r.gflops:>9.1f}"
                  f"{r.fraction:>10.0%}")
    if hasattr(os, "getloadavg"):
        print(f"load average after the run {os.getloadavg()[0]:.2f} (1 min)")
    print(frame_verdict(*frame_cpu_ms()))
    print(verdict(results))
    return results


if __name__ == "__main__":
    main()
