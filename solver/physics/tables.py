"""Tabulated material curves as UFL expressions.

A table (x_k, y_k), x strictly increasing, becomes the continuous piecewise-linear function

    y(x) = y_0 + s_0 (x − x_0) + Σ_{k≥1} (s_k − s_{k−1}) max(x − x_k, 0),   s_k the slope on
    [x_k, x_{k+1}],

extended linearly beyond the end points. It is exact at the knots and differentiable by UFL
(the derivative is the piecewise-constant slope).
"""

import ufl


def piecewise_linear(x, table) -> ufl.core.expr.Expr:
    """The interpolant of ``table`` = [(x_k, y_k), ...] at the UFL expression ``x``."""
    xs, ys = zip(*table)
    slopes = [(ys[k + 1] - ys[k]) / (xs[k + 1] - xs[k]) for k in range(len(xs) - 1)]
    value = ys[0] + slopes[0] * (x - xs[0])
    for k in range(1, len(slopes)):
        value += (slopes[k] - slopes[k - 1]) * ufl.max_value(x - xs[k], 0)
    return value
