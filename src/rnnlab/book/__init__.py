"""The chapters' experiments and page scaffolding.

These modules set up what one page shows (a slider's frames, a training comparison, the
checks box); they follow the same rules as the rest of the package but may change with
the prose. The reusable parts live in the other subpackages.
"""

from .cell_choice import (
           COUNTING_CELLS,
           LONG_RUNS,
           MEMORY_CELLS,
           counting_run,
           counting_table,
           counts_to,
           full_sweep,
           long_sweep,
           long_table,
           lr_table,
           memory_row,
           memory_sweep,
           memory_table,
           memory_tasks,
)
from .checklog import Check, CheckFailed, CheckLog, CheckTable, error_order
from .deep import depth_time_norms, fit_next_symbol, make_stack, next_symbol_batch
from .experiments import (
           VARIANTS,
           Comparison,
           RunRecord,
           Task,
           adding_task,
           ahead_on_every_seed,
           compare,
           copy_memory_task,
           evaluate,
           make_variant,
           median_range,
           per_seed,
           run,
           select_rows,
           solved_by,
           spread_table,
)
from .impulse_response import rnn_impulse_response, tdnn_forward, tdnn_impulse_response
from .lm import (
           LMData,
           LMRun,
           binned_mean,
           char_model,
           chars_per_second,
           closer_type_probability,
           column_mean_se,
           hidden_for_budget,
           kl_bits,
           n_params,
           results_table,
           sample_lm_data,
           stream_probs,
           target_log2_probs,
           train_lm,
           true_next_probs,
)
from .lm_seeds import seed_study
from .longrange import GapSweep, clipping_run, gap_sweep, recall_task
from .naive import MinCharRNN, train_naive
from .profiles import probe_inputs, rnn_lstm_profiles
from .remedies import (
           LABELS,
           GatedResidualCache,
           GatedResidualRNN,
           NormalizedResidualCache,
           NormalizedResidualRNN,
           damped_antisymmetric,
           grad_norm_comparison,
)
from .remedy_training import (
           REMEDIES,
           AntisymmetricResidualRNN,
           first_step_gradient,
           make_remedy,
           remedy_row,
           remedy_sweep,
           remedy_table,
)
from .saturation import draw_saturation, saturation
from .vanishing import draw_profile, norms_and_bound

__all__ = ["CheckFailed", "Check", "error_order", "CheckLog", "CheckTable", "make_stack",
           "depth_time_norms", "next_symbol_batch", "fit_next_symbol", "VARIANTS", "make_variant",
           "Task", "adding_task", "copy_memory_task", "evaluate", "RunRecord", "run", "compare",
           "Comparison", "per_seed", "ahead_on_every_seed", "spread_table", "select_rows",
           "solved_by", "median_range", "tdnn_forward",
           "tdnn_impulse_response", "rnn_impulse_response", "LMData", "sample_lm_data", "n_params",
           "hidden_for_budget", "char_model", "LMRun", "train_lm", "chars_per_second",
           "stream_probs", "true_next_probs", "target_log2_probs", "kl_bits", "column_mean_se",
           "closer_type_probability", "binned_mean", "results_table", "seed_study",
           "recall_task", "GapSweep", "gap_sweep", "clipping_run", "MinCharRNN", "train_naive",
           "probe_inputs",
           "rnn_lstm_profiles", "GatedResidualRNN", "GatedResidualCache", "NormalizedResidualRNN",
           "NormalizedResidualCache", "LABELS", "grad_norm_comparison", "damped_antisymmetric",
           "saturation", "draw_saturation", "norms_and_bound", "draw_profile",
           "MEMORY_CELLS", "COUNTING_CELLS", "memory_tasks", "memory_row", "memory_sweep",
           "counts_to", "counting_run", "full_sweep", "memory_table", "lr_table",
           "counting_table", "LONG_RUNS", "long_sweep", "long_table",
           "AntisymmetricResidualRNN", "REMEDIES", "make_remedy",
           "remedy_row", "remedy_sweep", "first_step_gradient", "remedy_table"]
