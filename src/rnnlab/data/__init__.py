"""Data: the synthetic memory tasks, character text, the bracket language, n-gram baselines.
"""

from .brackets import BracketLanguage
from .ngram import NGramModel, context_codes
from .tasks import AddingBatch, CopyBatch, CountingBatch, adding_problem, anbn, copy_task
from .text import CharCorpus, Vocab, load_text, one_hot

__all__ = ["BracketLanguage", "NGramModel", "context_codes", "AddingBatch", "CopyBatch",
           "adding_problem", "copy_task", "CountingBatch", "anbn", "CharCorpus", "Vocab",
           "load_text", "one_hot"]
