"""The workbook's checkers: the student writes the RNN, LSTM and GRU code, a checker says
what is wrong.

One function per workbook page. Each runs the student's functions on a few random cases in
float64, compares every output with the package's reference implementation, recognises the
common mistakes (each built as a mutant of the reference, so a diagnosis is exact), and
prints one line per output and a verdict. A function that still raises
``NotImplementedError`` gets "not implemented yet — fill in the function above".

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size, ``V``
vocabulary size.
"""

from ._core import evaluate
from .rnn_step import check_rnn_step

__all__ = ["check_rnn_step", "evaluate"]
