"""The SEI on the wetted surface as a surface state: growth, cracking, regrowth and the species
it consumes (physics.md 1d (iv), (v); benchmark B10).

The surface is a set of points (the vertices of the wetted surface, each with its lumped share
a_p of the area, measured on the deformed body: a_p = ∫ φ_p J |F⁻ᵀN| dA_0). Every film that
forms is a patch: area A_i (m²) formed at t_i with thickness h_i, growing by the
solvent-diffusion law or the reaction-limited law (``model: reaction``)

    L_i(t)² = h_i² + k (t − t_i),   k = 2 V̄ D_sol c_sol / z,
    L_i(t) = h_i + G(t) − G(t_i),   dG/dt = V̄ i_0,SEI exp(−α F (V − U_SEI)/(R_g T)) / (z F),

with V the electrode potential (held over each increment: ``set_potential``), so a patch holds
z A_i L_i / V̄ mol of the species. All films born in one increment share t_i and h_i, so one
patch holds the fresh area of every point that cracked then, and the species taken are exact
sums over the points.

Cracking, point by point. The film at a point conforms to the surface as it shrinks (its
stress-free area a_ref follows the smallest a_p since it last cracked); when a_p grows beyond
a_ref (1 + ε_c)², the excess is fresh (cracked) surface, covered at once by new film of
thickness h_new, and a_ref moves up with it. Over a cycle from a_0 to λ²a_0 this creates
a_0 (λ² − (1 + ε_c)²) of fresh surface at the point (physics.md 1d (v)). With phase-field
fracture of a meshed SEI (physics.fracture in sei) cracking comes from the damage instead: a
point of the particle–SEI interface where d exceeds the threshold is open, and all of its area
beyond the largest it has had since it opened is fresh (``expose``); the cracked mesh stays
damaged. Faces of the active material opened by a cohesive interface (delamination) get fresh
patches too (``open_surface``): electrolyte reaches them.

The thickness *at a point* (the ``sei_thickness`` field) is that of the film that formed there
last: the initial one until the point cracks, then the fresh film, which restarts at h_new at
each new crack. Older films stay in their patches: they still hold species and still grow.

Simplifications, stated: without phase-field fracture, cracking by a critical strain; this
film carries no stress on the particle (the meshed SEI does).
"""

import numpy as np

FARADAY = 96485.33212  # C mol^-1
R_GAS = 8.314462618  # J mol^-1 K^-1
# the state of each surface point, in the columns of the model's ``sei_state`` function
POINT_STATE = ("born", "h0", "g_born", "reference", "current", "fresh", "covered", "thickness")


class SurfaceSei:
    """Patches of SEI on surface points of areas ``area0`` (m², this rank's points; a number is
    one point) at t = 0 (``spec``: SeiGrowth). ``comm`` sums over the ranks (None: serial)."""

    def __init__(self, spec, area0, temperature: float = 298.15, comm=None):
        self.spec = spec
        self.comm = comm
        self.k = 2 * spec.molar_volume * spec.solvent_diffusivity * spec.solvent_concentration \
            / spec.species_per_unit
        self.per_volume = spec.species_per_unit / spec.molar_volume  # mol per m³ of SEI
        self.f = FARADAY / (R_GAS * temperature)  # 1/V
        # reaction law: G at t_grown and its rate dG/dt at the potential set then (m, s, m/s)
        self.grown, self.t_grown, self.rate = 0.0, 0.0, 0.0
        a0 = np.atleast_1d(np.asarray(area0, dtype=float))
        self.area = np.array([self._total(a0)])  # the patches
        self.born = np.array([0.0])
        self.h0 = np.array([spec.initial_thickness])
        self.g_born = np.array([0.0])  # G at each patch's birth
        # the points: the film formed there last, the area it conforms to, the area now, the
        # fresh area in the present expansion and, once open, the largest area since (m²)
        self.points = {name: np.zeros_like(a0) for name in POINT_STATE}
        self.points["h0"][:] = spec.initial_thickness
        for name in ("reference", "current"):
            self.points[name][:] = a0
        self.cracked_area = 0.0  # surface opened by a fracture model so far (m², ``expose``)
        self.delaminated_area = 0.0  # faces opened by cohesive interfaces so far (m²)

    def _total(self, values) -> float:
        local = float(np.sum(values))
        return local if self.comm is None else self.comm.allreduce(local)

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

    def _law(self, t: float, born, h0, g_born) -> np.ndarray:
        if self.spec.model == "reaction":
            return h0 + np.maximum(self._grown(t) - g_born, 0.0)
        return np.sqrt(h0**2 + self.k * np.maximum(t - born, 0.0))

    def thickness(self, t: float) -> np.ndarray:
        """L_i(t) of every patch (m)."""
        return self._law(t, self.born, self.h0, self.g_born)

    def point_thickness(self, t: float) -> np.ndarray:
        """Thickness of the film that formed last at each of this rank's points (m)."""
        p = self.points
        return self._law(t, p["born"], p["h0"], p["g_born"])

    def _add_patch(self, t: float, area: float) -> None:
        """A fresh patch of ``area`` m² born at t with thickness h_new."""
        self.area = np.append(self.area, area)
        self.born = np.append(self.born, t)
        self.h0 = np.append(self.h0, self.spec.fresh_thickness)
        self.g_born = np.append(self.g_born, self._grown(t))

    def _cover(self, t: float, fresh: np.ndarray) -> float:
        """New film on the ``fresh`` area of each point (m²): one patch, and the points that
        cracked restart their film. Returns the area covered on all ranks."""
        total = self._total(fresh)
        if total > 0:
            self._add_patch(t, total)
            cracked = fresh > 0
            p = self.points
            p["born"][cracked], p["h0"][cracked] = t, self.spec.fresh_thickness
            p["g_born"][cracked] = self._grown(t)
        return total

    def content(self, t: float) -> float:
        """Species held by the film at t (mol); the initial film counts only if formed in the run
        (``form_initial``)."""
        held = self.per_volume * float(np.sum(self.area * self.thickness(t)))
        if not self.spec.form_initial:
            held -= self.per_volume * self.area[0] * self.h0[0]
        return held

    def mean_thickness(self, t: float) -> float:
        """Area-weighted mean thickness of all films (m)."""
        return float(np.sum(self.area * self.thickness(t)) / np.sum(self.area))

    def stretch(self, t: float, area) -> None:
        """The points now have ``area`` (m²): crack and cover the fresh surface, or conform."""
        a = np.atleast_1d(area)
        p = self.points
        limit = p["reference"] * (1 + self.spec.critical_strain) ** 2
        cracks = a > limit
        shrinks = ~cracks & (a < p["current"])
        fresh = np.where(cracks, a - np.maximum(limit, p["current"]), 0.0)
        p["reference"] = np.where(cracks, a / (1 + self.spec.critical_strain) ** 2,
                                  np.where(shrinks, np.minimum(p["reference"], a),
                                           p["reference"]))
        p["fresh"] = np.where(shrinks, 0.0, p["fresh"] + fresh)
        p["current"] = a.astype(float)
        self._cover(t, fresh)

    def expose(self, t: float, area, opened) -> None:
        """Cracking from a fracture model: the points where ``opened`` (bool) are open; the part
        of their area (now ``area``, m²) beyond the largest since they opened gets new film."""
        a, is_open = np.atleast_1d(area), np.atleast_1d(opened)
        p = self.points
        fresh = np.where(is_open, np.maximum(a - p["covered"], 0.0), 0.0)
        p["covered"] = np.where(is_open, np.maximum(p["covered"], a), p["covered"])
        p["fresh"] = p["covered"].copy()
        p["current"] = a.astype(float)
        self.cracked_area += self._cover(t, fresh)

    def open_surface(self, t: float, opened: float) -> None:
        """A cohesive interface has opened ``opened`` m² of the active material's surface so far
        (delamination): the part new since the last call gets a fresh patch."""
        new = opened - self.delaminated_area
        if new > 0:
            self._add_patch(t, new)
            self.delaminated_area = opened

    def cracked_fraction(self) -> float:
        """Fresh surface created in the present expansion (opened so far, with a fracture
        model), per unit present area."""
        return self._total(self.points["fresh"]) / self._total(self.points["current"])

    def state(self) -> dict:
        """The patches and the growth law's state (the same on every rank; the points go into
        the model's sei_state function: ``table``)."""
        return {"area": self.area.tolist(), "born": self.born.tolist(), "h0": self.h0.tolist(),
                "g_born": self.g_born.tolist(), "grown": [self.grown, self.t_grown, self.rate],
                "cracked_area": self.cracked_area, "delaminated_area": self.delaminated_area}

    def restore(self, state: dict) -> None:
        self.area, self.born, self.h0, self.g_born = (
            np.array(state[k]) for k in ("area", "born", "h0", "g_born"))
        self.grown, self.t_grown, self.rate = state["grown"]
        self.cracked_area, self.delaminated_area = state["cracked_area"], \
            state["delaminated_area"]

    def table(self, t: float) -> np.ndarray:
        """The points' state at t, with their thickness (points × POINT_STATE: rows of the
        model's sei_state function)."""
        self.points["thickness"] = self.point_thickness(t)
        return np.column_stack([self.points[name] for name in POINT_STATE])

    def load(self, table: np.ndarray) -> None:
        """Read the points' state from ``table`` (see ``table``)."""
        for j, name in enumerate(POINT_STATE):
            self.points[name] = np.array(table[:, j])
