"""Benchmark: forward + backward time of RNN, LSTM and GRU against the machine's matmul speed.

Run ``python -m rnnlab.bench`` (``--quick`` for fewer repeats). Shape legend: ``T`` steps,
``B`` batch, ``D`` input size, ``H`` hidden size, ``G`` gate blocks (1 RNN, 3 GRU, 4 LSTM).

A forward + backward pass does six matrix products of the same size per gate block and
step — W x and U h forward; dX, dW, dU and dh_{t-1} backward — so its useful work is

    FLOPs = 6 T B G H (D + H)

(about 1.9 GFLOP for the LSTM at T=100, B=32, D=64, H=128). The achieved rate is divided
by the rate of one large matrix product measured in the same run, the most this NumPy and
BLAS can deliver on this machine; the rest of the time goes to element-wise gate
arithmetic and Python's per-step overhead. Both rates are measured under the same BLAS
threading (set ``OPENBLAS_NUM_THREADS`` before starting Python to compare).
"""

from __future__ import annotations

import argparse
import os
import time
from typing import NamedTuple

import numpy as np

from .gru import GRU
from .lstm import LSTM
from .rnn import RNN

__all__ = ["BenchResult", "matmul_gflops", "bench_layer", "main"]

GATE_BLOCKS = {"RNN": 1, "GRU": 3, "LSTM": 4}


class BenchResult(NamedTuple):
    """One measurement: layer name, dtype name, best ms per forward+backward, GFLOP of
    useful work, achieved GFLOP/s and the fraction of the matmul peak."""

    layer: str
    dtype: str
    ms: float
    gflop: float
    gflops: float
    fraction: float


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
    layer = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}[name](D, H, rng=rng, dtype=dtype)
    X = rng.standard_normal((T, B, D)).astype(dtype)
    dH = rng.standard_normal((T, B, H)).astype(dtype)

    def step():
        _, cache = layer.forward(X)
        layer.backward(dH, cache)

    seconds = _best_seconds(step, repeats)
    gflop = 6 * T * B * GATE_BLOCKS[name] * H * (D + H) / 1e9
    return BenchResult(name, np.dtype(dtype).name, 1e3 * seconds, gflop, gflop / seconds,
                       gflop / seconds / peak_gflops)


def main(argv=None) -> list[BenchResult]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args(argv)
    repeats = 2 if args.quick else 7
    results = []
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"T=100, B=32, D=64, H=128; best of {repeats} runs; OPENBLAS_NUM_THREADS={threads}")
    print(f"{'layer':<6}{'dtype':<9}{'ms/fwd+bwd':>11}{'GFLOP':>8}{'GFLOP/s':>9}"
          f"{'of matmul':>11}")
    for dtype in (np.float32, np.float64):
        peak = matmul_gflops(dtype, repeats=repeats)
        print(f"matmul 1024^3 {np.dtype(dtype).name}: {peak:.1f} GFLOP/s")
        for name in ("RNN", "LSTM", "GRU"):
            r = bench_layer(name, dtype, peak, repeats=repeats)
            results.append(r)
            print(f"{r.layer:<6}{r.dtype:<9}{r.ms:>11.1f}{r.gflop:>8.3f}{r.gflops:>9.1f}"
                  f"{r.fraction:>10.0%}")
    return results


if __name__ == "__main__":
    main()
