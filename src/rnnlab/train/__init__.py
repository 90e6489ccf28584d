"""Training: optimisers and gradient clipping, the training loop, truncated BPTT, sampling,
progress bars.
"""

from .loop import LossResult, SequenceModel, TrainHistory, TrainRecorder, train, train_step
from .optim import SGD, Adagrad, Adam, Momentum, clip_grad_norm, clip_grad_value, global_norm
from .progress import progress_bar
from .sampling import apply_temperature, next_char_distribution, sample
from .tbptt import batchify, check_char_model, check_ids, evaluate_bpc, stream_batches, train_tbptt

__all__ = ["LossResult", "SequenceModel", "TrainHistory", "TrainRecorder", "train", "train_step",
           "SGD", "Adagrad", "Adam", "Momentum", "clip_grad_norm", "clip_grad_value",
           "global_norm", "progress_bar", "apply_temperature", "next_char_distribution",
           "sample", "batchify", "check_char_model", "check_ids", "evaluate_bpc",
           "stream_batches", "train_tbptt"]
