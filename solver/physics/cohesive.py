"""Cohesive interface: bilinear traction–separation law with damage (physics.md 1g),
non-dimensional (tractions / E, openings / L).

The opening Δ = u₂ − u₁ (side 2 minus side 1) splits along the normal n from side 1 to side 2:
Δ_n = Δ·n, Δ_t = Δ − Δ_n n, effective opening Δ_e = (⟨Δ_n⟩² + |Δ_t|²)^½ (mode mixity β_t = 1).
With stiffness K = σ_max/δ_0 and the largest effective opening so far Δ_m (irreversible):

    D = δ_f (Δ_m − δ_0) / (Δ_m (δ_f − δ_0)),  clipped to [0, 1],     G_c = ½ σ_max δ_f,
    T = (1 − D + ηD) K Δ  (opening),   the normal part K Δ_n n undamaged when Δ_n < 0 (contact
    by penalty),

with a residual stiffness η = 1e-8 that keeps a fully detached body from floating freely (a
singular Newton matrix). Loading to Δ_m ≥ δ_f and unloading dissipates G_c per unit area.
"""

from dataclasses import dataclass

import ufl

RESIDUAL_STIFFNESS = 1e-8  # η, relative to K


@dataclass(frozen=True)
class BilinearLaw:
    """σ_max/E, δ_0/L (opening at the peak traction) and δ_f/L (full separation)."""

    strength: float
    elastic_opening: float
    final_opening: float

    @property
    def stiffness(self) -> float:
        return self.strength / self.elastic_opening


def _macaulay(x):
    return ufl.max_value(x, 0.0)


def effective_opening(jump, normal):
    """Δ_e = (⟨Δ_n⟩² + |Δ_t|²)^½ of the opening vector ``jump``."""
    dn = ufl.dot(jump, normal)
    tangential = jump - dn * normal
    return ufl.sqrt(_macaulay(dn) ** 2 + ufl.dot(tangential, tangential) + 1e-30)


def damage(opening_max, law: BilinearLaw):
    """D(Δ_m) of the bilinear law, 0 up to δ_0 and 1 from δ_f on."""
    d0, df = law.elastic_opening, law.final_opening
    D = df * (opening_max - d0) / (opening_max * (df - d0))
    return ufl.min_value(ufl.max_value(D, 0.0), 1.0)


def traction(jump, normal, D, law: BilinearLaw):
    """T(Δ) on side 2 (−T on side 1): (1 − D + ηD) K Δ, the closing normal part undamaged."""
    dn = ufl.dot(jump, normal)
    K, eta = law.stiffness, RESIDUAL_STIFFNESS
    return (1 - D + eta * D) * K * jump + (1 - eta) * D * K * ufl.min_value(dn, 0.0) * normal
