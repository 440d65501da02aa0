"""The SEI on the wetted surface as a surface state: growth, cracking, regrowth and the species
it consumes (physics.md 1d (iv), (v); benchmark B10).

The film is a set of patches: area A_i (m²) formed at t_i with thickness h_i, each growing by
the solvent-diffusion law or the reaction-limited law (``model: reaction``)

    L_i(t)² = h_i² + k (t − t_i),   k = 2 V̄ D_sol c_sol / z,
    L_i(t) = h_i + G(t) − G(t_i),   dG/dt = V̄ i_0,SEI exp(−α F (V − U_SEI)/(R_g T)) / (z F),

with V the electrode potential (held over each increment: ``set_potential``), so a patch holds
z A_i L_i / V̄ mol of the species. The surface area A(t) = ∫ J |F⁻ᵀN| dA_0 is
measured on the deformed body. The film conforms to the surface as it shrinks (its stress-free
area A_ref follows the smallest area since it last cracked); when the surface grows beyond
A_ref (1 + ε_c)², the excess is fresh (cracked) surface, covered at once by a new patch of
thickness h_new, and A_ref moves up with it. Over a cycle from A_0 to λ²A_0 this creates
A_0 (λ² − (1 + ε_c)²) of fresh surface (physics.md 1d (v)).

With phase-field fracture of a meshed SEI (physics.fracture in sei), cracking comes from the
damage instead: the part of the particle–SEI interface where d exceeds the threshold is open,
and each newly opened area gets a fresh patch (``expose``); the cracked mesh stays damaged.
Faces of the active material opened by a cohesive interface (delamination) get fresh patches
too (``open_surface``): electrolyte reaches them.

Simplifications, stated: one set of patches for the whole wetted surface (the stretch is
averaged over it, not resolved point by point); without phase-field fracture, cracking by a
critical strain; this film carries no stress on the particle (the meshed SEI does).
"""

import numpy as np

FARADAY = 96485.33212  # C mol^-1
R_GAS = 8.314462618  # J mol^-1 K^-1


class SurfaceSei:
    """Patches of SEI on a surface of area ``area0`` (m²) at t = 0 (``spec``: SeiGrowth)."""

    def __init__(self, spec, area0: float, temperature: float = 298.15):
        self.spec = spec
        self.k = 2 * spec.molar_volume * spec.solvent_diffusivity * spec.solvent_concentration \
            / spec.species_per_unit
        self.per_volume = spec.species_per_unit / spec.molar_volume  # mol per m³ of SEI
        self.f = FARADAY / (R_GAS * temperature)  # 1/V
        # reaction law: G at t_grown and its rate dG/dt at the potential set then (m, s, m/s)
        self.grown, self.t_grown, self.rate = 0.0, 0.0, 0.0
        self.area = np.array([area0])
        self.born = np.array([0.0])
        self.h0 = np.array([spec.initial_thickness])
        self.g_born = np.array([0.0])  # G at each patch's birth
        self.reference = area0  # the area the film conforms to
        self.current_area = area0
        self.fresh = 0.0  # fresh area created in the present expansion (m²)
        self.cracked_area = 0.0  # surface opened by a fracture model so far (m², ``expose``)
        self.delaminated_area = 0.0  # faces opened by cohesive interfaces so far (m²)

    def set_potential(self, t: float, voltage: float) -> None:
        """From t on the electrode is at ``voltage`` (V vs the metal): the reaction law's rate
        (the solvent-diffusion law does not depend on it)."""
        if self.spec.model != "reaction":
            return
        self.grown = self._grown(t)
        self.t_grown = t
        s = self.spec
        self.rate = s.molar_volume * s.exchange_current * np.exp(
            -s.transfer_coefficient * self.f * (voltage - s.equilibrium_potential)) \
            / (s.species_per_unit * FARADAY)

    def _grown(self, t: float) -> float:
        return self.grown + self.rate * max(t - self.t_grown, 0.0)

    def thickness(self, t: float) -> np.ndarray:
        """L_i(t) of every patch (m)."""
        if self.spec.model == "reaction":
            return self.h0 + np.maximum(self._grown(t) - self.g_born, 0.0)
        return np.sqrt(self.h0**2 + self.k * np.maximum(t - self.born, 0.0))

    def _add_patch(self, t: float, area: float) -> None:
        """A fresh patch of ``area`` m² born at t with thickness h_new."""
        self.area = np.append(self.area, area)
        self.born = np.append(self.born, t)
        self.h0 = np.append(self.h0, self.spec.fresh_thickness)
        self.g_born = np.append(self.g_born, self._grown(t))

    def content(self, t: float) -> float:
        """Species held by the film at t (mol); the initial film counts only if formed in the run
        (``form_initial``)."""
        held = self.per_volume * float(np.sum(self.area * self.thickness(t)))
        if not self.spec.form_initial:
            held -= self.per_volume * self.area[0] * self.h0[0]
        return held

    def mean_thickness(self, t: float) -> float:
        """Area-weighted mean thickness (m)."""
        return float(np.sum(self.area * self.thickness(t)) / np.sum(self.area))

    def stretch(self, t: float, area: float) -> None:
        """The surface now has ``area`` (m²): crack and cover the fresh surface, or conform."""
        limit = self.reference * (1 + self.spec.critical_strain) ** 2
        if area > limit:
            fresh = area - max(limit, self.current_area)
            self._add_patch(t, fresh)
            self.fresh += fresh
            self.reference = area / (1 + self.spec.critical_strain) ** 2
        elif area < self.current_area:
            self.reference = min(self.reference, area)
            self.fresh = 0.0
        self.current_area = area

    def expose(self, t: float, area: float, cracked: float) -> None:
        """Cracking from a fracture model: the fraction ``cracked`` of the surface (now ``area``,
        m²) is open; the part newly opened since the last call gets a fresh patch."""
        fresh = max(cracked * area - self.cracked_area, 0.0)
        if fresh > 0:
            self._add_patch(t, fresh)
            self.cracked_area += fresh
        self.fresh = self.cracked_area
        self.current_area = area

    def open_surface(self, t: float, opened: float) -> None:
        """A cohesive interface has opened ``opened`` m² of the active material's surface so far
        (delamination): the part new since the last call gets a fresh patch."""
        new = opened - self.delaminated_area
        if new > 0:
            self._add_patch(t, new)
            self.delaminated_area = opened

    def cracked_fraction(self) -> float:
        """Fresh surface created in the present expansion, per unit present area."""
        return self.fresh / self.current_area

    def state(self) -> dict:
        return {"area": self.area.tolist(), "born": self.born.tolist(), "h0": self.h0.tolist(),
                "g_born": self.g_born.tolist(), "grown": [self.grown, self.t_grown, self.rate],
                "reference": self.reference, "current_area": self.current_area,
                "fresh": self.fresh, "cracked_area": self.cracked_area,
                "delaminated_area": self.delaminated_area}

    def restore(self, state: dict) -> None:
        self.area, self.born, self.h0 = (np.array(state[k]) for k in ("area", "born", "h0"))
        self.g_born = np.array(state.get("g_born", np.zeros(len(self.area))))
        self.grown, self.t_grown, self.rate = state.get("grown", (0.0, 0.0, 0.0))
        self.reference, self.current_area = state["reference"], state["current_area"]
        self.fresh, self.cracked_area = state["fresh"], state["cracked_area"]
        self.delaminated_area = state.get("delaminated_area", 0.0)
