"""Gradients checked and inspected: finite differences, the Jacobian and gradient-norm
diagnostics, the error terms of BPTT, and real-time recurrent learning.
"""

from .cell_jacobians import (
           direct_cell_jacobian,
           gru_state_jacobian,
           lstm_cell_jacobian,
           lstm_dc_dh,
           lstm_dc_products,
           lstm_state_jacobian,
)
from .diagnostics import (
           GradientProfile,
           SlopeProfile,
           forget_gate_products,
           gate_path_products,
           gradient_profile,
           jacobian_norms,
           jacobians,
           product_bound,
           slope_profile,
           state_grad_norms,
)
from .error_terms import delta_matrix
from .gradcheck import (
           GradCheckReport,
           check_layer,
           linear_loss,
           numerical_gradient,
           numerical_jacobian,
           order_of_magnitude,
           relative_error,
)
from .rtrl import (
           CostTable,
           RTRLResult,
           Sensitivities,
           flops,
           measure_cost,
           rtrl_gradients,
           rtrl_step,
)

__all__ = ["state_grad_norms", "jacobians", "jacobian_norms", "product_bound",
           "gate_path_products", "forget_gate_products", "GradientProfile", "gradient_profile",
           "SlopeProfile", "slope_profile", "delta_matrix", "numerical_gradient",
           "numerical_jacobian", "relative_error", "order_of_magnitude", "GradCheckReport",
           "check_layer", "linear_loss", "direct_cell_jacobian", "lstm_dc_dh",
           "lstm_cell_jacobian", "lstm_state_jacobian", "lstm_dc_products", "gru_state_jacobian",
           "Sensitivities", "RTRLResult", "rtrl_step", "rtrl_gradients", "flops", "CostTable",
           "measure_cost"]
