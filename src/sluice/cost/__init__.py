"""`sluice cost`: a monthly USD estimate of a pipeline, Standard and Express side by side.

Example:
    >>> from sluice.cost import Assumptions, estimate_cost
    >>> estimate = estimate_cost(load_workflow("FilePipelineStateMachine"), Assumptions(executions_per_month=10_000))
    >>> estimate.paths[0].mode
    'happy (shortest)'
"""

from sluice.cost.assumptions import Assumptions
from sluice.cost.estimate import CostEstimate, PathCost, estimate_cost
from sluice.cost.prices import PRICES, Prices

__all__ = ["PRICES", "Assumptions", "CostEstimate", "PathCost", "Prices", "estimate_cost"]
