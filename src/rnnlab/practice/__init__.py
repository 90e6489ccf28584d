"""The workbook's checkers: the student writes the RNN, LSTM and GRU code, a checker says
what is wrong.

One function per workbook task. Each runs the student's functions on a few random cases in
float64, compares every output with the package's reference implementation, recognises the
common mistakes (each built as a mutant of the reference, so a diagnosis is exact), and
prints one line per output and a verdict. A function that still raises
``NotImplementedError`` gets "not implemented yet — fill in the function above"; any other
exception is reported in one line.

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size, ``V``
vocabulary size.

For the pages of task 6 the module also gives the building blocks of a character model:
:func:`char_model`, :func:`stream_batches`, :func:`one_hot` and :func:`read`.
"""

from ._core import Result, evaluate
from .bptt import check_bptt
from .clipping import check_clipping
from .gru_step import check_gru_step
from .lstm_step import check_lstm_step
from .rnn_step import check_rnn_step
from .tbptt_sampling import (
    char_model,
    check_sampling,
    check_tbptt,
    one_hot,
    read,
    stream_batches,
)

__all__ = ["check_rnn_step", "check_bptt", "check_lstm_step", "check_gru_step",
           "check_clipping", "check_tbptt", "check_sampling", "char_model", "stream_batches",
           "one_hot", "read", "evaluate", "Result"]
