"""Electrode kinetics and open-circuit voltage (physics.md 1f), as UFL of the surface state.

Sign convention: the current density i > 0 inserts (cathodic for an anode), and the electrode
potential against a metal counter electrode is

    V = U_eq(θ_s, σ) + η − i R_film,     U_eq = U_ocv(θ_s) − (R_g T/F) μ_mech,

with μ_mech = ∂ψ/∂θ/(R_g T c_max) the mechanical part of the chemical potential (−Ωσ_h/(R_g T)
in small strain, the Mandel form at finite strain), so tension raises U_eq by Ωσ_h/F.
Symmetric Butler–Volmer (α_a = α_c = 1/2), f = F/(R_g T):

    i = −2 i_0 sinh(f η / 2)  ⇔  η = −(2/f) asinh(i / (2 i_0)),
    i_0(θ_s) = i_0,ref · 2 sqrt(θ_s (1 − θ_s)) · sqrt(c_e / c_e,ref)   (i_0,ref at θ_s = 1/2).
"""

import ufl


def asinh(x):
    """asinh x = ln(x + sqrt(x² + 1)), written for negative x without cancellation."""
    return ufl.sign(x) * ufl.ln(abs(x) + ufl.sqrt(x**2 + 1))


def exchange_current(theta, i0_ref, electrolyte_ratio=1.0):
    """i_0(θ_s) = i_0,ref 2 sqrt(θ_s(1 − θ_s)) sqrt(c_e/c_e,ref) (A/m², α = 1/2).

    θ_s is clipped to [1e-12, 1 − 1e-12] so that a surface value a round-off outside (0, 1)
    gives a tiny exchange current instead of NaN."""
    th = ufl.min_value(ufl.max_value(theta, 1e-12), 1 - 1e-12)
    return i0_ref * 2 * ufl.sqrt(th * (1 - th)) * electrolyte_ratio ** 0.5


def butler_volmer(eta, i0, f):
    """Current density i = −2 i_0 sinh(f η/2) (A/m², > 0 inserts) at overpotential η (V)."""
    return -2 * i0 * ufl.sinh(f * eta / 2)


def overpotential(current, i0, f):
    """The exact inverse of :func:`butler_volmer`: η = −(2/f) asinh(i/(2 i_0)) (V)."""
    return -2 / f * asinh(current / (2 * i0))


def staircase(theta, plateaus, width, log_slope, f):
    """Smooth staircase OCV (V) from plateaus [(θ_end, U), ...] ordered by θ (physics.md 1f):

        U(θ) = U_n + Σ_{k<n} (U_k − U_{k+1}) ½[1 − tanh((θ − θ_end,k)/w)] − (a/f) ln(θ/(1 − θ)),

    each plateau k holding U_k up to its end θ_end,k, steps of width w, and a logarithmic slope
    of amplitude a (a = 1 is an ideal solution) that makes U strictly decreasing and sends it to
    ±∞ at θ = 0 and 1."""
    levels = [u for _, u in plateaus]
    value = levels[-1]
    for (end, u), u_next in zip(plateaus[:-1], levels[1:]):
        value += (u - u_next) * 0.5 * (1 - ufl.tanh((theta - end) / width))
    th = ufl.min_value(ufl.max_value(theta, 1e-12), 1 - 1e-12)
    return value - log_slope / f * ufl.ln(th / (1 - th))
