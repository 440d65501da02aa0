"""Case-file schema: pydantic models, the single source of truth (loading is in solver.case).

All dimensional values are SI floats after validation (m, s, Pa, mol/m^3, K, ...).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn, Optional, Union, get_args

import numpy as np
from pydantic import (BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag,
                      model_validator)
from pydantic_core import PydanticCustomError

from solver import materials as library
from solver.expressions import Formula, FormulaError, parse_formula
from solver.units import KINDS, Quantity, parse_c_rate, parse_current, to_si, ureg


def fail(message: str, key: str | None = None) -> NoReturn:
    """Raise a validation error with a ready message; `key` (dotted) extends the error location."""
    ctx: dict[str, Any] = {"message": message}
    if key:
        ctx["key"] = key
    raise PydanticCustomError("case", "{message}", ctx)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


PosLength = Quantity("length", gt=0)
PosTime = Quantity("time", gt=0)
PosPressure = Quantity("pressure", gt=0)
Face = Literal["x0", "x1", "y0", "y1", "z0", "z1"]
FieldName = Literal["concentration", "displacement", "von_mises", "hydrostatic", "hoop", "J",
                    "J_c", "plastic_strain", "damage", "sei_thickness"]
NAME_PATTERN = r"^[A-Za-z0-9_.+-]+$"


# ---------------------------------------------------------------- geometry
class MeshSpec(_Model):
    """Mesh resolution."""

    size: Optional[PosLength] = Field(
        None, description="element size; null = radius/20 (sphere) or max(size)/8 (box)")
    order: Literal[1, 2] = Field(2, description="polynomial degree of the displacement")
    sei_layers: int = Field(3, ge=2, description="elements through the SEI thickness, at least")
    sei_size: Optional[PosLength] = Field(
        None, description="sphere with sei (axisymmetric, 3d): tangential element size of the "
        "SEI and of the particle surface (at most size); the SEI is then extruded radially from "
        "the particle's surface triangulation in exactly sei_layers layers; null = isotropic SEI "
        "elements of size min(size, thickness/sei_layers)")


class SeiLayer(_Model):
    """A meshed SEI shell on the particle (material role ``sei``): bonded, elastic, no storage
    of the species; the insertion flux enters the particle at the particle–SEI interface."""

    thickness: PosLength = Field(description="SEI thickness")


class SphereGeometry(_Model):
    """A spherical particle centred at the origin."""

    kind: Literal["sphere"] = Field(description="geometry kind")
    radius: PosLength = Field(description="particle radius")
    dimension: Literal["radial", "axisymmetric", "3d"] = Field(
        "3d", description="radial = 1-D spherical symmetry; axisymmetric = 2-D (r, z)")
    symmetry: Literal["full", "octant"] = Field(
        "octant", description="mesh the full body or one symmetric part with symmetry planes")
    sei: Optional[SeiLayer] = Field(None, description="meshed SEI shell; null = no SEI")
    mesh: MeshSpec = Field(default_factory=MeshSpec, description="mesh resolution")

    @model_validator(mode="after")
    def _mesh_size(self) -> SphereGeometry:
        if self.mesh.size is None:
            self.mesh.size = self.radius / 20
        return self


class BoxGeometry(_Model):
    """A box [0, Lx] x [0, Ly] x [0, Lz]; faces are named x0 (x = 0), x1 (x = Lx), ..."""

    kind: Literal["box"] = Field(description="geometry kind")
    size: tuple[PosLength, PosLength, PosLength] = Field(description="edge lengths [Lx, Ly, Lz]")
    rollers: list[Face] = Field(
        ["x0", "y0", "z0"], description="faces whose normal displacement is zero")
    wetted: list[Face] = Field([], description="faces through which the species enters or leaves")
    mesh: MeshSpec = Field(default_factory=MeshSpec, description="mesh resolution")

    @model_validator(mode="after")
    def _check(self) -> BoxGeometry:
        if self.mesh.size is None:
            self.mesh.size = max(self.size) / 8
        free = [a for a in "xyz" if not any(f[0] == a for f in self.rollers)]
        if free:
            fail(f"rollers {self.rollers} leave the body free to move along {', '.join(free)}; "
                 "give at least one face per axis, e.g. [x0, y0, z0]", key="rollers")
        return self


Dimension3 = Literal["axisymmetric", "3d"]


class EllipsoidGeometry(_Model):
    """An ellipsoid x²/a² + y²/b² + z²/c² ≤ 1 (axisymmetric: a spheroid, a = b, about z)."""

    kind: Literal["ellipsoid"] = Field(description="geometry kind")
    semi_axes: tuple[PosLength, PosLength, PosLength] = Field(description="[a, b, c] along x, y, z")
    dimension: Dimension3 = Field("3d", description="axisymmetric needs a = b")
    symmetry: Literal["full", "octant"] = Field("octant", description="full body or one octant")
    mesh: MeshSpec = Field(default_factory=MeshSpec, description="null size = min(a, b, c)/10")


class WireGeometry(_Model):
    """A nanowire along z, 0 ≤ z ≤ length, sodiated (lithiated) through one end or its side;
    the end z = length is clamped (held by the other contact)."""

    kind: Literal["wire"] = Field(description="geometry kind")
    radius: PosLength = Field(description="wire radius")
    length: PosLength = Field(description="wire length")
    inlet: Literal["end", "side"] = Field(
        "end", description="end: species enter through the face z = 0 (a contact, as in the "
                           "in-situ TEM cells); side: through the lateral surface")
    dimension: Dimension3 = Field("axisymmetric", description="axisymmetric (r, z) or 3-D")
    mesh: MeshSpec = Field(default_factory=MeshSpec, description="null size = radius/5")


class CoreShellGeometry(_Model):
    """An active sphere (role ``active``) in a bonded shell (role ``shell``, e.g. carbon); the
    species enter through the outer surface of the shell."""

    kind: Literal["core_shell"] = Field(description="geometry kind")
    core_radius: PosLength = Field(description="radius of the active core")
    shell_thickness: PosLength = Field(description="thickness of the shell")
    dimension: Literal["radial", "axisymmetric", "3d"] = Field("3d", description="dimension")
    symmetry: Literal["full", "octant"] = Field("octant", description="full body or one octant")
    mesh: MeshSpec = Field(default_factory=MeshSpec, description="null size = core_radius/10")


class YolkShellGeometry(CoreShellGeometry):
    """An active yolk (role ``active``) inside a shell (role ``shell``) with an electrolyte-
    filled gap: the yolk surface and both shell surfaces are wetted; symmetry holds the yolk
    concentric (radial, or octant planes)."""

    kind: Literal["yolk_shell"] = Field(description="geometry kind")
    gap: PosLength = Field(description="width of the void between yolk and shell")


class FilmGeometry(_Model):
    """An active film (or a hemispherical particle) bonded on a substrate (role ``substrate``,
    the current collector) whose bottom face is clamped; lateral faces are symmetry planes
    (a periodic patch of a large film); the species enter through the free top surface."""

    kind: Literal["film"] = Field(description="geometry kind")
    shape: Literal["film", "particle"] = Field("film", description="film or hemispherical particle")
    thickness: Optional[PosLength] = Field(None, description="film thickness (shape: film)")
    radius: Optional[PosLength] = Field(None, description="particle radius (shape: particle)")
    width: PosLength = Field(description="lateral edge of the square patch")
    substrate_thickness: PosLength = Field(description="thickness of the substrate")
    dimension: Dimension3 = Field("3d", description="axisymmetric: a disk-shaped patch")
    mesh: MeshSpec = Field(default_factory=MeshSpec, description="null size = film scale/4")

    @model_validator(mode="after")
    def _shape(self) -> FilmGeometry:
        need = "thickness" if self.shape == "film" else "radius"
        if getattr(self, need) is None:
            fail(f"shape: {self.shape} needs {need}", key=need)
        return self


class InverseOpalGeometry(_Model):
    """An inverse-opal scaffold: walls (role ``active``) around FCC spherical pores joined by
    circular windows, an optional conformal coating (role ``coating``) on the pore walls, as an
    n×n×n block of cubic FCC cells on a current-collector slab (role ``collector``, bottom face
    clamped). Pore surfaces and the top are wetted; lateral faces are symmetry planes."""

    kind: Literal["inverse_opal"] = Field(description="geometry kind")
    pore_diameter: PosLength = Field(description="diameter of the template spheres (≈ 300 nm)")
    window_diameter: PosLength = Field(description="diameter of the windows between pores")
    cells: int = Field(1, ge=1, description="n of the n×n×n block of FCC unit cells")
    coating_thickness: Optional[PosLength] = Field(None, description="conformal coating")
    collector_thickness: PosLength = Field(description="thickness of the collector slab")
    mesh: MeshSpec = Field(default_factory=MeshSpec, description="null size = pore_diameter/8")


class CompositeGeometry(_Model):
    """Active particles (role ``active``) embedded without overlap in a matrix box (role
    ``matrix``, e.g. hard carbon), placed by seeded random sequential addition; faces as for
    ``box``."""

    kind: Literal["composite"] = Field(description="geometry kind")
    size: tuple[PosLength, PosLength, PosLength] = Field(description="matrix box [Lx, Ly, Lz]")
    particle_radius: PosLength = Field(description="mean particle radius")
    radius_spread: float = Field(0.0, ge=0, lt=1, description="relative standard deviation of "
                                 "the radius (normal, truncated at ±2σ)")
    volume_fraction: float = Field(gt=0, lt=0.5, description="particle volume fraction")
    min_gap: Optional[PosLength] = Field(None, description="least matrix between particles and "
                                                           "to the faces; null = radius/5")
    seed: int = Field(0, description="random seed (the same seed gives the same packing)")
    rollers: list[Face] = Field(["x0", "y0", "z0"], description="faces with zero normal "
                                "displacement")
    wetted: list[Face] = Field(["x1", "y1", "z1"], description="electrolyte-wetted faces")
    mesh: MeshSpec = Field(default_factory=MeshSpec, description="null size = radius/3")


class FibreClustersGeometry(_Model):
    """A carbon nanofibre segment (role ``fibre``) with spherical pores, a fraction of them
    filled with Sn clusters (role ``active``), placed by seeded random sequential addition; the
    lateral surface is wetted, the end faces are symmetry planes; empty pores are free
    (closed, unwetted) surfaces."""

    kind: Literal["fibre_clusters"] = Field(description="geometry kind")
    fibre_radius: PosLength = Field(description="fibre radius (≈ 40 nm)")
    length: PosLength = Field(description="length of the segment")
    pore_radius: PosLength = Field(description="pore (cluster) radius")
    porosity: float = Field(gt=0, lt=0.4, description="pore volume fraction of the fibre")
    filled_fraction: float = Field(1.0, ge=0, le=1, description="fraction of pores holding Sn")
    seed: int = Field(0, description="random seed")
    mesh: MeshSpec = Field(default_factory=MeshSpec, description="null size = pore_radius")


class FileGeometry(_Model):
    """A mesh from a file meshio reads (gmsh .msh with physical groups, .vtu, .xdmf); its cell
    tags map to material roles and its facet tags to boundaries."""

    kind: Literal["file"] = Field(description="geometry kind")
    path: str = Field(description="mesh file (relative to the case file's folder)")
    unit: PosLength = Field(1.0, description="length of one coordinate unit, e.g. '1 um'")
    regions: dict[str, list[int]] = Field(description="material role -> cell tags")
    wetted: list[int] = Field([], description="facet tags where the species enter")
    clamped: list[int] = Field([], description="facet tags with all displacement fixed")
    rollers: dict[Literal["x", "y", "z"], list[int]] = Field(
        {}, description="axis -> facet tags with that displacement component fixed")
    dimension: Literal["axisymmetric", "3d"] = Field("3d", description="axisymmetric: x = r, "
                                                                       "y = z")
    mesh: MeshSpec = Field(default_factory=MeshSpec, description="displacement degree (the "
                                                                 "cells are the file's)")


class ImageGeometry(_Model):
    """A segmented 3-D voxel image (.npy, .tif stack or HDF5 dataset) meshed to tetrahedra
    (each voxel split into six); labels map to material roles, label 0 is void. Surfaces
    facing void are wetted; the image faces listed in rollers are symmetry planes."""

    kind: Literal["image"] = Field(description="geometry kind")
    path: str = Field(description="image file (relative to the case file's folder)")
    dataset: Optional[str] = Field(None, description="dataset name inside an HDF5 file")
    voxel_size: PosLength = Field(description="edge of one voxel")
    labels: dict[str, list[int]] = Field(description="material role -> label values")
    coarsen: int = Field(1, ge=1, description="merge coarsen³ voxels into one (majority label)")
    rollers: list[Face] = Field([], description="image faces with zero normal displacement")
    mesh: MeshSpec = Field(default_factory=MeshSpec, description="displacement degree (the "
                                                                 "cells are the voxels')")


IMPLEMENTED_KINDS = ("sphere", "box", "ellipsoid", "wire", "core_shell", "yolk_shell", "film",
                     "inverse_opal", "composite", "fibre_clusters", "file", "image")


def _geometry_kind(value: Any) -> Any:
    implemented = ", ".join(IMPLEMENTED_KINDS)
    if not isinstance(value, dict):
        fail(f"geometry must be a mapping with a kind ({implemented}); given {value!r}")
    if "kind" not in value:
        fail(f"geometry kind is required; implemented kinds: {implemented}", key="kind")
    if value["kind"] not in IMPLEMENTED_KINDS:
        fail(f"geometry kind {value['kind']!r} is unknown; implemented kinds: {implemented}",
             key="kind")
    return value


Geometry = Annotated[Union[SphereGeometry, BoxGeometry, EllipsoidGeometry, WireGeometry,
                           CoreShellGeometry, YolkShellGeometry, FilmGeometry,
                           InverseOpalGeometry, CompositeGeometry, FibreClustersGeometry,
                           FileGeometry, ImageGeometry], Field(discriminator="kind"),
                     BeforeValidator(_geometry_kind)]


# ---------------------------------------------------------------- materials
Voltage = Quantity("voltage")


class OcvBranch(_Model):
    """One branch of the open-circuit voltage U(θ) vs the metal: a smooth staircase from
    plateaus, or a table interpolated linearly."""

    plateaus: Optional[list[tuple[float, Voltage]]] = Field(
        None, description="[[θ_end, U], ...]: plateau voltages in order of θ, each up to its θ_end "
                          "(the last θ_end = 1); smooth steps of width `width` between them")
    width: float = Field(0.01, gt=0, description="width of the steps between plateaus (in θ)")
    log_slope: float = Field(
        0.3, ge=0, description="amplitude a of −a (R_g T/F) ln(θ/(1−θ)) added to the plateaus "
                               "(slopes them, and U → ±∞ at θ = 0, 1; a = 1: ideal solution)")
    table: Optional[list[tuple[float, Voltage]]] = Field(
        None, description="[[θ, U], ...] from θ = 0 to 1, interpolated linearly")
    formula: Optional[str] = Field(
        None, description="U(θ, T) as a formula, e.g. '0.4 V - 8.617e-5 V/K * T * "
                          "ln(theta/(1-theta))'")

    @model_validator(mode="after")
    def _one(self) -> OcvBranch:
        given = [k for k in ("plateaus", "table", "formula") if getattr(self, k) is not None]
        if len(given) != 1:
            fail(f"give exactly one of plateaus, table, formula; given {given or 'none'}")
        if self.formula is not None:
            _formula(self.formula, "formula")
            return self
        points = self.plateaus or self.table
        theta = [t for t, _ in points]
        if any(b <= a for a, b in zip(theta, theta[1:])) or not 0 <= theta[0] or theta[-1] != 1:
            fail(f"θ must increase strictly and end at 1; given {theta}",
                 key="plateaus" if self.plateaus else "table")
        if self.table is not None and (theta[0] != 0 or len(theta) < 2):
            fail(f"a table runs from θ = 0 to 1 (at least two points); given {theta}",
                 key="table")
        return self


class Ocv(_Model):
    """Open-circuit voltage vs the metal counter electrode, with hysteresis when the two
    branches differ. The branch follows the direction of the current (rests keep it)."""

    insertion: OcvBranch = Field(description="U(θ) while inserting (lithiation, sodiation)")
    extraction: Optional[OcvBranch] = Field(
        None, description="U(θ) while extracting; null = the insertion branch (no hysteresis)")


class Material(_Model):
    """Material properties; in YAML `{from: LIBRARY-NAME, <overrides>}` or fully inline."""

    name: str = Field("inline", description="library entry it came from, or 'inline'")
    chemistry: Optional[Literal["Li", "Na"]] = Field(
        None, description="inserted species the data are for (from the library entry)")
    E: PosPressure = Field(description="Young's modulus of the host (θ = 0)")
    nu: float = Field(gt=-1, lt=0.5, description="Poisson's ratio of the host")
    D: Quantity("diffusivity", gt=0) = Field(description="diffusivity of the inserted species")
    D_curve: Optional[list[tuple[float, Quantity("diffusivity", gt=0)]]] = Field(
        None, description="concentration-dependent D(θ) as [[θ, D], ...] from θ = 0 (D) to 1, "
                          "interpolated linearly; scales the whole flux (mobility M ∝ D(θ))")
    c_max: Quantity("concentration", gt=0) = Field(
        description="concentration at θ = 1, per unit reference (host) volume")
    Omega: Optional[Quantity("molar volume")] = Field(
        None, description="partial molar volume; Omega = expansion / c_max")
    expansion: Optional[float] = Field(
        None, gt=-1, description="relative volume change at θ = 1 (e.g. 4.2 for Sn -> Na15Sn4)")
    volume_curve: Optional[list[tuple[float, float]]] = Field(
        None, description="measured V(θ)/V(0) as [[θ, V/V0], ...] from θ = 0 (V/V0 = 1) to "
                          "θ = 1, interpolated linearly; replaces the linear 1 + expansion·θ "
                          "(expansion then defaults to V(1)/V(0) − 1)")
    density: Quantity("density", gt=0) = Field(description="host mass density")
    molar_mass: Optional[Quantity("molar mass", gt=0)] = Field(None, description="host molar mass")
    E_alloyed: Optional[PosPressure] = Field(None, description="Young's modulus at θ = 1")
    nu_alloyed: Optional[float] = Field(None, gt=-1, lt=0.5,
                                        description="Poisson's ratio at θ = 1")
    E_curve: Optional[list[tuple[float, PosPressure]]] = Field(
        None, description="measured E(θ) as [[θ, E], ...] from θ = 0 (E) to 1, interpolated "
                          "linearly; used instead of E → E_alloyed with moduli: interpolated")
    nu_curve: Optional[list[tuple[float, float]]] = Field(
        None, description="measured ν(θ) as [[θ, ν], ...] from θ = 0 (nu) to 1, interpolated "
                          "linearly; used instead of nu → nu_alloyed with moduli: interpolated")
    yield_stress: Optional[PosPressure] = Field(
        None, description="yield / flow stress σ_Y of the alloyed phase (θ = 1)")
    yield_stress_host: Optional[PosPressure] = Field(
        None, description="yield stress of the host (θ = 0); when given, σ_Y is linear in θ "
                          "between the two, else constant")
    flow_rate: Optional[Quantity("rate", gt=0)] = Field(
        None, description="reference plastic strain rate ε̇_0 of the overstress law")
    flow_exponent: Optional[float] = Field(
        None, ge=1, description="exponent m of ε̇_p = ε̇_0 <σ̄/σ_Y − 1>^m")
    interaction: Optional[float] = Field(
        None, description="regular-solution interaction χ (units of R_g T; phase separation "
                          "for χ > 2), for phase_separation: cahn_hilliard")
    gradient_length: Optional[Quantity("length", gt=0)] = Field(
        None, description="Cahn–Hilliard gradient length λ = sqrt(κ c_max/(R_g T)); the "
                          "interface is a few λ wide")
    Gc: Optional[Quantity("fracture energy", gt=0)] = Field(None, description="fracture energy")
    formulas: dict[Literal["E", "nu", "D", "yield_stress"], str] = Field(
        {}, description="properties given as formulas in θ and T (filled from E: '50 GPa * "
                        "(1 - 0.43*theta)' etc.; the property's number is then its value at "
                        "θ = 0, T = 298.15 K)")
    ocv: Optional[Ocv] = Field(None, description="open-circuit voltage vs the metal; needed for "
                                                 "voltage output and voltage-controlled steps")
    exchange_current: Optional[Quantity("current density", gt=0)] = Field(
        None, description="Butler–Volmer exchange current density i_0 at θ_s = 1/2 and the "
                          "reference electrolyte concentration (needed with ocv)")

    @model_validator(mode="before")
    @classmethod
    def _split_formulas(cls, data: Any) -> Any:
        """A property written as a formula in θ or T (E, nu, D, yield_stress) keeps its text in
        ``formulas`` and its value at θ = 0, T = 298.15 K as the number (the reference)."""
        if not isinstance(data, dict):
            return data
        data = cls._merge_library(data)
        formulas = dict(data.get("formulas") or {})
        for key in FORMULA_UNITS:
            value = data.get(key)
            if isinstance(value, str) and (_VARIABLE.search(value) or not _is_quantity(value)):
                formulas[key] = value
                data = {**data, key: float(_formula(value, key)(0.0, 298.15))}
        for key, text in formulas.items():
            _formula(text, key)  # a formula given only under `formulas` is checked too
        return {**data, "formulas": formulas} if formulas else data

    @classmethod
    def _merge_library(cls, data: dict[str, Any]) -> dict[str, Any]:
        if "from" not in data:
            return data
        source = data["from"]
        if source not in library.names():
            fail(f"unknown material {source!r}; the library has: {', '.join(library.names())}",
                 key="from")
        base: dict[str, Any] = library.properties(source)
        overrides = {k: v for k, v in data.items() if k != "from"}
        if "Omega" in overrides or "volume_curve" in overrides:
            base.pop("expansion", None)
        return {"name": source, "chemistry": library.entry(source)["chemistry"],
                **base, **overrides}

    @model_validator(mode="after")
    def _formulas(self) -> Material:
        """Check each formula over 0 ≤ θ ≤ 1 (at 298.15 K) against its property's bounds."""
        theta = np.linspace(0.0, 1.0, 101)
        for key, other in (("E", "E_curve"), ("nu", "nu_curve"), ("D", "D_curve"),
                           ("yield_stress", "yield_stress_host")):
            if key in self.formulas and getattr(self, other) is not None:
                fail(f"{key} is a formula, which replaces {other}; give one of them", key=other)
        for key, text in self.formulas.items():
            lower, upper = FORMULA_BOUNDS[key]
            values = np.broadcast_to(_formula(text, key)(theta, 298.15), theta.shape)
            if not (np.all(np.isfinite(values)) and np.all(values > lower)
                    and np.all(values < upper)):
                fail(f"{key} = {text!r} must stay in ({lower:g}, {upper:g}) for 0 ≤ θ ≤ 1; "
                     f"it ranges over [{np.nanmin(values):g}, {np.nanmax(values):g}]", key=key)
        return self

    @model_validator(mode="after")
    def _volume(self) -> Material:
        if self.volume_curve is not None:
            _check_curve(self.volume_curve, "volume_curve", 1.0, "V/V0", lower=0.0)
            end = self.volume_curve[-1][1] - 1
            if self.Omega is None and self.expansion is None:
                self.expansion = end
            elif self.expansion is not None and abs(self.expansion - end) > 1e-6 * abs(end):
                fail(f"expansion = {self.expansion:g} disagrees with the volume curve's "
                     f"V(1)/V(0) − 1 = {end:g}; give only the curve", key="expansion")
        if self.Omega is None and self.expansion is None:
            fail("give Omega (partial molar volume) or expansion "
                 "(relative volume change at θ = 1)")
        derived = None if self.expansion is None else self.expansion / self.c_max
        if self.Omega is None:
            self.Omega = derived
        elif derived is None:
            self.expansion = self.Omega * self.c_max
        elif abs(self.Omega - derived) > 1e-6 * abs(derived):
            fail(f"Omega = {self.Omega:g} m^3/mol disagrees with expansion / c_max = "
                 f"{derived:g} m^3/mol; give only one of them", key="Omega")
        return self

    @model_validator(mode="after")
    def _kinetics(self) -> Material:
        if self.ocv is not None and self.exchange_current is None:
            fail("an ocv needs the exchange_current i_0 of the Butler–Volmer kinetics, e.g. "
                 "1 A/m^2", key="exchange_current")
        return self

    @model_validator(mode="after")
    def _moduli_curves(self) -> Material:
        if self.E_curve is not None:
            _check_curve(self.E_curve, "E_curve", self.E, "E", lower=0.0)
        if self.nu_curve is not None:
            _check_curve(self.nu_curve, "nu_curve", self.nu, "nu", lower=-1.0, upper=0.5)
        if self.D_curve is not None:
            _check_curve(self.D_curve, "D_curve", self.D, "D", lower=0.0)
        return self


class ElasticMaterial(_Model):
    """A material of a non-active role (shell, matrix, collector, ...): it deforms but takes no
    species and does not swell; `{from: LIBRARY-NAME}` takes E, nu, density of the entry."""

    name: str = Field("inline", description="library entry it came from, or 'inline'")
    E: PosPressure = Field(description="Young's modulus")
    nu: float = Field(gt=-1, lt=0.5, description="Poisson's ratio")
    density: Optional[Quantity("density", gt=0)] = Field(None, description="mass density")
    Gc: Optional[Quantity("fracture energy", gt=0)] = Field(
        None, description="fracture energy (phase-field fracture)")

    @model_validator(mode="before")
    @classmethod
    def _merge_library(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "from" not in data:
            return data
        source = data["from"]
        if source not in library.names():
            fail(f"unknown material {source!r}; the library has: {', '.join(library.names())}",
                 key="from")
        base = {k: v for k, v in library.properties(source).items()
                if k in ("E", "nu", "density", "Gc")}
        return {"name": source, **base, **{k: v for k, v in data.items() if k != "from"}}


def _material_kind(value: Any) -> str:
    """'elastic' for an inactive library entry or an inline material without transport data."""
    if isinstance(value, (Material, ElasticMaterial)):  # serialising
        return "active" if isinstance(value, Material) else "elastic"
    if isinstance(value, dict):
        source = value.get("from")
        if source in library.names():
            return "active" if library.entry(source)["chemistry"] else "elastic"
        if source is None and "D" not in value and "c_max" not in value:
            return "elastic"
    return "active"


AnyMaterial = Annotated[Union[Annotated[Material, Tag("active")],
                              Annotated[ElasticMaterial, Tag("elastic")]],
                        Discriminator(_material_kind)]

# material roles each geometry kind tags its cells with (file and image: from the case)
GEOMETRY_ROLES = {"core_shell": ("active", "shell"), "yolk_shell": ("active", "shell"),
                  "film": ("active", "substrate"), "composite": ("active", "matrix"),
                  "fibre_clusters": ("active", "fibre")}


def geometry_roles(geometry) -> tuple[str, ...]:
    """The material roles of a geometry's regions."""
    if geometry.kind == "sphere" and geometry.sei is not None:
        return ("active", "sei")
    if geometry.kind == "inverse_opal":
        return ("active", "collector") + (("coating",) if geometry.coating_thickness else ())
    if geometry.kind == "file":
        return tuple(geometry.regions)
    if geometry.kind == "image":
        return tuple(geometry.labels)
    return GEOMETRY_ROLES.get(geometry.kind, ("active",))


FORMULA_UNITS = {"E": "Pa", "nu": "", "D": "m^2/s", "yield_stress": "Pa"}
FORMULA_BOUNDS = {"E": (0.0, np.inf), "nu": (-1.0, 0.5), "D": (0.0, np.inf),
                  "yield_stress": (0.0, np.inf)}
_VARIABLE = re.compile(r"\b(theta|T)\b|θ")


def _is_quantity(text: str) -> bool:
    try:
        ureg.Quantity(text)
        return True
    except Exception:  # pint raises many kinds
        return False


def _formula(text: str, key: str) -> Formula:
    """The parsed formula of property ``key``; a FormulaError becomes a case error at key."""
    try:
        return parse_formula(text, FORMULA_UNITS.get(key, "V"))
    except FormulaError as e:
        fail(str(e), key=key)


def _check_curve(curve, key: str, start: float, what: str, lower: float,
                 upper: float = float("inf")) -> None:
    """A table [[θ, y], ...]: θ strictly increasing from 0 to 1, y(0) = start, lower < y < upper."""
    theta, values = zip(*curve)
    if len(theta) < 2 or theta[0] != 0 or theta[-1] != 1 or any(
            b <= a for a, b in zip(theta, theta[1:])):
        fail(f"θ must increase strictly from 0 to 1 (at least two points); given {list(theta)}",
             key=key)
    if abs(values[0] - start) > 1e-9 * abs(start) or not all(lower < v < upper for v in values):
        fail(f"{what} must start at {start:g} (the value at θ = 0) and stay in ({lower:g}, "
             f"{upper:g}); given {list(values)}", key=key)


# ---------------------------------------------------------------- protocol
StepKind = Literal["insert", "extract", "hold", "rest", "sweep", "cccv", "gitt"]
STEP_KINDS: tuple[str, ...] = get_args(StepKind)
CurrentValue = tuple[float, Literal["C", "A/kg", "A/m^2"]]
# keys of each step kind's body; the until keys every kind but rest accepts
STEP_BODIES = {
    "insert": ("c_rate", "current"), "extract": ("c_rate", "current"),
    "hold": ("theta", "voltage"), "sweep": ("to", "rate"),
    "cccv": ("direction", "c_rate", "current", "voltage"),
    "gitt": ("direction", "c_rate", "current", "pulse", "rest"),
}
UNTIL_KEYS = ("soc", "time", "voltage", "current", "capacity")


def _at(key: str, convert: Any, value: Any) -> Any:
    """Apply `convert`, pointing any error at the YAML sub-key `key`."""
    if value is None:
        fail("required key is missing", key=key)
    try:
        return convert(value)
    except PydanticCustomError as e:
        fail(e.message(), key=key)
    except (TypeError, ValueError):
        fail(f"{value!r} is not a number", key=key)


def _only(body: Any, key: str | None, valid: Sequence[str]) -> dict[str, Any]:
    """Check that `body` (at YAML sub-key `key`) is a mapping with keys among `valid`."""
    if not isinstance(body, dict):
        fail(f"expected a mapping with keys {', '.join(valid)}; given {body!r}", key=key)
    for k in body:
        if k not in valid:
            raise PydanticCustomError("unknown_key", "unknown key", {
                "key": f"{key}.{k}" if key else str(k), "valid": list(valid)})
    return body


def _si(kind: str) -> Any:
    return partial(to_si, KINDS[kind])


def _step_from_yaml(data: dict[str, Any]) -> dict[str, Any]:
    kinds = [k for k in STEP_KINDS if k in data]
    if len(kinds) != 1:
        fail(f"a step needs exactly one of {', '.join(STEP_KINDS)}; given keys: "
             f"{', '.join(map(str, data)) or 'none'}")
    kind = kinds[0]
    _only(data, None, [kind] if kind == "rest" else [kind, "until"])
    if kind == "rest":
        return {"kind": kind, "until_time": _at("rest", _si("time"), data[kind])}
    body = _only(data[kind], kind, STEP_BODIES[kind])
    flat: dict[str, Any] = {"kind": kind}
    if "c_rate" in body and "current" in body:
        fail("give either c_rate or current, not both", key=f"{kind}.current")
    if "c_rate" in body:
        flat["current"] = (_at(f"{kind}.c_rate", parse_c_rate, body["c_rate"]), "C")
    elif "current" in body:
        flat["current"] = _at(f"{kind}.current", parse_current, body["current"])
    converters = {"theta": float, "voltage": _si("voltage"), "to": _si("voltage"),
                  "rate": _si("scan rate"), "pulse": _si("time"), "rest": _si("time"),
                  "direction": str}
    for key, convert in converters.items():
        if key in body:
            flat[key] = _at(f"{kind}.{key}", convert, body[key])
    until = _only(data.get("until", {}), "until", UNTIL_KEYS)
    until_converters = {"soc": float, "time": _si("time"), "voltage": _si("voltage"),
                        "current": parse_current, "capacity": _si("specific capacity")}
    for key, convert in until_converters.items():
        if key in until:
            flat[f"until_{key}"] = _at(f"until.{key}", convert, until[key])
    return flat


class Step(_Model):
    """One protocol step (Python side: flat fields in SI, currents as (value, unit))."""

    kind: StepKind
    current: Optional[CurrentValue] = Field(
        None, description="applied current: C-rate (1C fills θ 0 -> 1 in one hour), A/kg of "
                          "active host or A/m² of wetted reference area")
    theta: Optional[float] = Field(None, description="surface site fraction held (hold)")
    voltage: Optional[float] = Field(None, description="electrode potential held [V] (hold, "
                                                       "the CV part of cccv)")
    direction: Optional[Literal["insert", "extract"]] = Field(
        None, description="current direction of cccv and gitt")
    to: Optional[float] = Field(None, description="end potential of a sweep [V]")
    rate: Optional[float] = Field(None, gt=0, description="sweep rate [V/s]")
    pulse: Optional[float] = Field(None, gt=0, description="GITT pulse duration [s]")
    rest: Optional[float] = Field(None, gt=0, description="GITT rest after each pulse [s]")
    until_soc: Optional[float] = Field(None, description="end when the mean θ reaches this")
    until_time: Optional[float] = Field(None, description="step duration [s]")
    until_voltage: Optional[float] = Field(None, description="end at this potential [V]")
    until_current: Optional[CurrentValue] = Field(
        None, description="end when the current magnitude falls to this (CV holds)")
    until_capacity: Optional[float] = Field(
        None, gt=0, description="end when this capacity [mAh/g] has passed in the step")

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, data: Any) -> Any:
        return _step_from_yaml(data) if isinstance(data, dict) and "kind" not in data else data

    @property
    def c_rate(self) -> float | None:
        """The applied current as a C-rate when given so."""
        return self.current[0] if self.current and self.current[1] == "C" else None

    @property
    def sign(self) -> int:
        """+1 inserting, −1 extracting, 0 otherwise (rest, hold, sweep)."""
        return {"insert": 1, "extract": -1}.get(self.direction or self.kind, 0)

    @model_validator(mode="after")
    def _check(self) -> Step:
        k = self.kind
        if k == "rest":
            if self.until_time is None or self.until_time <= 0:
                fail(f"a rest needs a positive duration, e.g. 10 min; given {self.until_time}",
                     key="rest")
            return self
        needs = {"insert": ["current"], "extract": ["current"], "sweep": ["to", "rate"],
                 "cccv": ["direction", "current", "voltage"],
                 "gitt": ["direction", "current", "pulse", "rest"]}.get(k, [])
        for key in needs:
            if getattr(self, key) is None:
                fail(f"{k} needs {key}; e.g. {_STEP_EXAMPLES[k]}", key=f"{k}.{key}")
        if self.current is not None and self.current[0] <= 0:
            fail(f"the current must be > 0 (the step kind gives its direction); given "
                 f"{self.current[0]}", key=f"{k}.current")
        if k == "hold" and (self.theta is None) == (self.voltage is None):
            fail("hold needs exactly one of theta (surface site fraction) and voltage",
                 key="hold")
        if k == "hold" and self.theta is not None and not 0 < self.theta < 1:
            fail(f"hold needs 0 < theta < 1; given {self.theta}", key="hold.theta")
        ends = ("until_soc", "until_time", "until_voltage", "until_current", "until_capacity")
        if k not in ("sweep", "gitt") and all(getattr(self, e) is None for e in ends):
            fail(f"{k} needs an end condition: until: {{soc | time | voltage | current | "
                 "capacity: ...}")
        if k == "gitt" and self.until_soc is None and self.until_voltage is None:
            fail("gitt needs until: {voltage: ...} or until: {soc: ...} to stop pulsing")
        if self.until_soc is not None and not 0 < self.until_soc < 1:
            fail(f"until soc must lie strictly between 0 and 1 to be reachable; given "
                 f"{self.until_soc}", key="until.soc")
        if self.until_time is not None and self.until_time <= 0:
            fail(f"until time must be > 0; given {self.until_time} s", key="until.time")
        if self.until_current is not None and k not in ("hold", "cccv", "sweep"):
            fail("until current ends a voltage-controlled step (hold, cccv, sweep); a "
                 f"{k} step fixes the current", key="until.current")
        return self

    def to_yaml(self) -> dict[str, Any]:
        """The YAML form of this step (SI numbers)."""
        if self.kind == "rest":
            return {"rest": self.until_time}
        body = {k: getattr(self, k) for k in STEP_BODIES[self.kind]
                if k != "c_rate" and getattr(self, k) is not None}
        if "current" in body:
            body["current"] = _current_text(self.current)
        until = {k: getattr(self, f"until_{k}") for k in UNTIL_KEYS}
        if until["current"] is not None:
            until["current"] = _current_text(until["current"])
        return {self.kind: body, "until": {k: v for k, v in until.items() if v is not None}}


_STEP_EXAMPLES = {
    "insert": "{insert: {c_rate: C/10}, until: {voltage: 0.005 V}}",
    "extract": "{extract: {current: 0.1 A/g}, until: {voltage: 1.5 V}}",
    "sweep": "{sweep: {to: 0.005 V, rate: 0.1 mV/s}}",
    "cccv": "{cccv: {direction: insert, c_rate: C/10, voltage: 0.005 V}, until: {current: C/50}}",
    "gitt": "{gitt: {direction: insert, c_rate: C/10, pulse: 10 min, rest: 1 h}, "
            "until: {voltage: 0.005 V}}",
}


def _current_text(current: tuple[float, str]) -> str | float:
    value, unit = current
    return value if unit == "C" else f"{value!r} {unit}"


class Protocol(_Model):
    """The cycling protocol: `steps` repeated `cycles` times."""

    cycles: int = Field(1, ge=1, description="number of repetitions of the steps")
    steps: list[Step] = Field(min_length=1, description="steps of one cycle (see below)")


# ---------------------------------------------------------------- the rest
class Initial(_Model):
    """Uniform initial state; the body is stress-free there."""

    soc: float = Field(0.0, ge=0, lt=1, description="initial site fraction θ")


class Electrochemistry(_Model):
    """The electrolyte side of the Butler–Volmer condition (physics.md 1f)."""

    electrolyte_concentration: Quantity("concentration", gt=0) = Field(
        1000.0, description="salt concentration c_e; i_0 ∝ sqrt(c_e / reference_concentration)")
    reference_concentration: Quantity("concentration", gt=0) = Field(
        1000.0, description="c_e at which the material's exchange_current was given")
    film_resistance: Quantity("area resistance", ge=0) = Field(
        0.0, description="area-specific resistance R_film of a surface film: the voltage "
                         "carries the ohmic drop −i R_film (voltage-controlled steps: with the "
                         "previous increment's mean current density); an SEI of "
                         "physics.sei_growth adds its resistivity × thickness")


class SeiGrowth(_Model):
    """SEI on the wetted surface as a surface state (physics.md 1d (iv), (v)): it grows by the
    solvent-diffusion or the reaction-limited law, cracks when the surface stretches beyond
    (1 + ε_c)² of the area it conforms to, and new SEI forms at once on the fresh (cracked)
    surface. The species it takes leave the particle through the surface. Defaults: PyBaMM's
    example set (physics.md 2.5)."""

    model: Literal["solvent_diffusion", "reaction"] = Field(
        "solvent_diffusion", description="growth law: solvent_diffusion dL/dt = V̄ D_sol c_sol "
        "/(z L) (L² = L_0² + 2 V̄ D_sol c_sol t / z); reaction dL/dt = V̄ i_0,SEI "
        "exp(−α F (V − U_SEI)/(R_g T))/(z F) at the electrode potential V (needs an ocv)")
    exchange_current: Quantity("current density", ge=0) = Field(
        1.5e-7, description="i_0,SEI of the reaction-limited law (PyBaMM)")
    transfer_coefficient: float = Field(0.5, gt=0, lt=1, description="α_SEI (reaction law)")
    equilibrium_potential: Quantity("voltage") = Field(
        0.4, description="U_SEI vs the metal (reaction law; PyBaMM's 0.4 V vs Li)")
    molar_volume: Quantity("molar volume", gt=0) = Field(9.585e-5, description="V̄_SEI")
    species_per_unit: float = Field(2.0, gt=0, description="z, Li/Na per SEI formula unit")
    solvent_diffusivity: Quantity("diffusivity", ge=0) = Field(2.5e-22, description="D_sol")
    solvent_concentration: Quantity("concentration", ge=0) = Field(2636.0,
                                                                   description="c_sol")
    initial_thickness: Quantity("length", ge=0) = Field(
        5e-9, description="L_0 at t = 0; when not given and the SEI is meshed: "
        "geometry.sei.thickness")
    form_initial: bool = Field(False, description="count the species of the initial SEI "
                               "(formed during the first insertion) as consumed")
    critical_strain: float = Field(0.05, ge=0, description="ε_c: the film cracks beyond it "
                                   "(physics.md B6d: 2–5 % for 10–50 nm films)")
    fresh_thickness: Quantity("length", gt=0) = Field(1e-9, description="h_new on fresh surface")
    resistivity: Quantity("resistivity", ge=0) = Field(
        2e5, description="ρ_SEI: the film adds ρ_SEI L_mean to the film resistance (PyBaMM)")
    uptake_time: Quantity("time", gt=0) = Field(
        60.0, description="the species a new film needs (initial, fresh surface) leave the "
                          "particle over this relaxation time, not at once (numerical)")


class Fracture(_Model):
    """Phase-field fracture (physics.md 1c) of some materials, staggered with the (u, θ, μ)
    system at every step; G_c from each material (its `Gc`)."""

    regions: list[str] = Field(
        description="material roles that may crack (`in:` is accepted too), e.g. [sei] or "
        "[active, sei]; `particle` means active")
    model: Literal["AT1", "AT2"] = Field("AT2", description="AT2: quadratic crack density, "
                                         "history field; AT1: linear, elastic threshold, bounds")
    length: Optional[PosLength] = Field(
        None, description="phase-field length l (resolve it: mesh size ≲ l/2); give it or "
        "strength")
    strength: Optional[PosPressure] = Field(
        None, description="tensile strength σ_c instead of length: each material cracking "
        "gets the l at which a bar of it in uniaxial tension peaks at σ_c, AT2 l = (27/256) "
        "E G_c/σ_c², AT1 l = 3 E G_c/(8 σ_c²) (physics.md 1c)")
    split: Literal["none", "volumetric_deviatoric", "spectral"] = Field(
        "volumetric_deviatoric", description="which part of the elastic energy drives cracks: "
        "all, tension and shear (Amor et al. 2009), or positive principal strains (Miehe et al. "
        "2010; small strain in radial and axisymmetric bodies only)")
    threshold: float = Field(0.9, gt=0, lt=1, description="damage above which a point counts "
                             "as cracked (reported fractions)")
    staggered_tolerance: float = Field(1e-3, gt=0, description="max |Δd| that ends the "
                                       "staggered iterations of a step")
    staggered_iterations: int = Field(50, ge=1, description="staggered iterations before the "
                                      "step is cut back")

    @model_validator(mode="before")
    @classmethod
    def _in_is_regions(cls, data: Any) -> Any:
        if isinstance(data, dict) and "in" in data:
            data = {("regions" if k == "in" else k): v for k, v in data.items()}
        if isinstance(data, dict) and isinstance(data.get("regions"), list):
            data["regions"] = ["active" if r == "particle" else r for r in data["regions"]]
        return data

    @model_validator(mode="after")
    def _length_or_strength(self) -> Fracture:
        if (self.length is None) == (self.strength is None):
            fail("give the phase-field length or the strength it follows from (one of them)",
                 key="length")
        return self


class Interface(_Model):
    """The condition at the interface between two materials (physics.md 1g).

    Species, with partition coefficient K (c_b/c_a in equilibrium) and c on each side:
    ``bonded`` is local equilibrium, c_b = K c_a; ``resistance`` a finite interface kinetics,
    J·n = (c_a − c_b/K)/R (from a to b; dilute limit of (μ_a − μ_b)/ρ; a thin barrier of
    thickness δ and diffusivity D has R = δ/D); ``blocking`` no flux, J·n = 0. These keep the
    bodies bonded mechanically (u continuous). ``cohesive`` lets them delaminate: a bilinear
    traction–separation law (strength σ_max, fracture energy G_c = ½ σ_max δ_f, opening δ_0 at
    the peak), irreversible; the species cross it with ``resistance`` scaled by (1 − D) (blocked
    if no resistance is given)."""

    between: tuple[str, str] = Field(description="the two material roles, [a, b]")
    condition: Literal["bonded", "resistance", "blocking", "cohesive"] = Field(
        "bonded", description="bonded (c_b = K c_a), resistance (J·n = (c_a − c_b/K)/R), "
        "blocking (J·n = 0) or cohesive (delamination; needs strength and fracture_energy)")
    partition: Optional[float] = Field(
        None, gt=0, description="K = c_b/c_a in equilibrium; default c_max,b/c_max,a (equal "
        "site fractions, θ continuous)")
    resistance: Optional[Quantity("interface resistance", gt=0)] = Field(
        None, description="R of condition resistance (s/m), or of a cohesive interface while "
        "bonded")
    strength: Optional[PosPressure] = Field(
        None, description="cohesive: peak traction σ_max")
    fracture_energy: Optional[Quantity("fracture energy", gt=0)] = Field(
        None, description="cohesive: work of separation G_c per unit area")
    elastic_opening: Optional[PosLength] = Field(
        None, description="cohesive: opening δ_0 at the peak traction (stiffness σ_max/δ_0); "
        "default δ_f/100")

    @model_validator(mode="after")
    def _check(self) -> Interface:
        cohesive = self.condition == "cohesive"
        if self.condition == "resistance" and self.resistance is None:
            fail("resistance is required with condition: resistance", key="resistance")
        if self.resistance is not None and self.condition not in ("resistance", "cohesive"):
            fail("resistance is only allowed with condition: resistance or cohesive",
                 key="resistance")
        for key in ("strength", "fracture_energy", "elastic_opening"):
            given = getattr(self, key) is not None
            if cohesive and key != "elastic_opening" and not given:
                fail(f"{key} is required with condition: cohesive", key=key)
            if given and not cohesive:
                fail(f"{key} is only allowed with condition: cohesive", key=key)
        if cohesive and self.elastic_opening is not None and \
                self.elastic_opening >= 2 * self.fracture_energy / self.strength:
            fail("elastic_opening must be smaller than the final opening 2 fracture_energy / "
                 f"strength = {2 * self.fracture_energy / self.strength:.4g} m",
                 key="elastic_opening")
        if self.condition == "blocking" and self.partition is not None:
            fail("a blocking interface has no partition coefficient", key="partition")
        if self.between[0] == self.between[1]:
            fail(f"an interface joins two different roles; given {list(self.between)}",
                 key="between")
        return self


class Physics(_Model):
    """Which physics to include."""

    kinematics: Literal["small", "finite"] = Field(
        "small", description="small: linear elasticity with eigenstrain (valid for small "
        "swelling only); finite: total-Lagrangian hyperelasticity with F = F_e F_p J_c^(1/3) I")
    elastic_law: Literal["neo_hookean", "hencky"] = Field(
        "neo_hookean", description="finite strain only. neo_hookean: W = (G/2)(I_1 − 3) − G ln J "
        "+ (λ/2)(ln J)²; hencky: W = G|dev E|² + (K/2)(tr E)², E = ½ ln C (ln C̄ by its artanh "
        "series, truncation < 1e-10 up to deviatoric elastic stretch 1.3)")
    stress_coupling: Literal["none", "one_way", "two_way"] = Field(
        "two_way", description="one_way: stress does not act back on diffusion")
    plasticity: Literal["none", "viscoplastic"] = Field(
        "none", description="viscoplastic: rate-dependent J2 flow of the active material "
        "(overstress power law, Bower et al. 2011), F_p per cell; needs kinematics: finite and "
        "yield_stress, flow_rate, flow_exponent in the material")
    moduli: Literal["constant", "interpolated"] = Field(
        "constant", description="constant: the host's E, nu; interpolated: E and nu linear in θ "
        "from the host to E_alloyed, nu_alloyed of the material (the chemical potential then "
        "carries the modulus term of ∂ψ/∂θ)")
    mobility: Literal["dilute", "lattice_gas"] = Field(
        "lattice_gas", description="dilute: M = Dc/RT; lattice_gas: M = Dc(1-θ)/RT")
    phase_separation: Literal["none", "cahn_hilliard"] = Field(
        "none", description="cahn_hilliard: regular solution with gradient energy, μ/(R_g T) "
        "= ln(θ/(1−θ)) + χ(1−2θ) − λ²∇²θ (mixed form); needs mobility: lattice_gas and "
        "interaction (χ), gradient_length (λ) in the active material")


    fracture: Optional[Fracture] = Field(
        None, description="phase-field fracture of the materials named; null = none")
    sei_growth: Optional[SeiGrowth] = Field(
        None, description="SEI growth, cracking and regrowth on the wetted surface; null = none")

    @model_validator(mode="after")
    def _plastic_needs_finite(self) -> "Physics":
        if self.plasticity == "viscoplastic" and self.kinematics != "finite":
            fail("plasticity: viscoplastic needs kinematics: finite", key="plasticity")
        if self.fracture is not None and self.kinematics == "finite":
            if self.elastic_law != "neo_hookean":
                fail("fracture at finite strain splits the neo-Hookean energy: use "
                     "elastic_law: neo_hookean", key="fracture")
            if self.fracture.split == "spectral":
                fail("the spectral split is small-strain only; use volumetric_deviatoric or "
                     "none", key="fracture.split")
        if self.elastic_law != "neo_hookean" and self.kinematics != "finite":
            fail("elastic_law: hencky needs kinematics: finite (small strain is linear "
                 "elasticity)", key="elastic_law")
        if self.phase_separation == "cahn_hilliard" and self.mobility != "lattice_gas":
            fail("phase_separation: cahn_hilliard needs mobility: lattice_gas (the regular "
                 "solution is a lattice-gas model)", key="phase_separation")
        return self


class TimeStep(_Model):
    """Adaptive time-step bounds."""

    initial: Optional[PosTime] = Field(None, description="first step; null = automatic")
    max: Optional[PosTime] = Field(None, description="largest step; null = no limit")
    min: Optional[PosTime] = Field(
        None, description="smallest step before giving up; null = automatic")

    @model_validator(mode="after")
    def _order(self) -> TimeStep:
        given = [(k, v) for k, v in (("min", self.min), ("initial", self.initial),
                                     ("max", self.max)) if v is not None]
        if any(a[1] > b[1] for a, b in zip(given, given[1:])):
            fail(f"need min <= initial <= max; given {dict(given)} s")
        return self


class Newton(_Model):
    """Newton iteration controls."""

    rtol: float = Field(1e-9, gt=0, description="relative residual tolerance")
    atol: float = Field(1e-10, gt=0, description="absolute residual tolerance")
    max_it: int = Field(12, ge=1, description="iterations before the time step is cut")


def _scalar(value: Any) -> Any:
    if not isinstance(value, (str, int, float, bool)):
        fail(f"a PETSc option value must be a string, number or boolean; given {value!r}")
    return value


class SolverSpec(_Model):
    """Linear and nonlinear solver settings."""

    preset: Literal["auto", "direct", "iterative"] = Field(
        "auto", description="linear solver preset; auto picks by problem size")
    petsc: dict[str, Annotated[Union[bool, int, float, str], BeforeValidator(_scalar)]] = Field(
        {}, description="PETSc options passed through, e.g. {ksp_type: gmres}")
    dt: TimeStep = Field(default_factory=TimeStep, description="time-step bounds")
    time_scheme: Literal["backward_euler", "bdf2"] = Field(
        "backward_euler", description="time integration: backward Euler (first order, "
        "L-stable) or variable-step BDF2 (second order; restarts with a backward-Euler step at "
        "every protocol step and after a cut-back)")
    newton: Newton = Field(default_factory=Newton, description="Newton controls")


class FieldOutput(_Model):
    """Fields written to fields.xdmf."""

    every: int = Field(10, ge=1, description="write every N accepted time steps")
    names: list[FieldName] = Field(list(get_args(FieldName)), description="fields to write "
                                   "(J = det F and J_c exist only at finite strain, "
                                   "plastic_strain only with plasticity, damage only with "
                                   "fracture, sei_thickness only with sei_growth: skipped "
                                   "otherwise)")


class Probe(_Model):
    """A line of points whose values are written to profiles/NAME.csv."""

    name: str = Field(pattern=NAME_PATTERN, description="file name stem")
    kind: Literal["radial"] = Field("radial", description="probe kind")
    center: tuple[Quantity("length"), Quantity("length"), Quantity("length")] = Field(
        (0.0, 0.0, 0.0), description="start point (centre of the particle)")
    direction: tuple[float, float, float] = Field(description="direction from the centre")
    points: int = Field(101, ge=2, description="number of points")

    @model_validator(mode="after")
    def _nonzero(self) -> Probe:
        if not any(self.direction):
            fail("direction must not be zero, e.g. [1, 0, 0]", key="direction")
        return self


class Output(_Model):
    """What is written to the results directory."""

    dir: Optional[str] = Field(None, description="results directory; null = results/NAME")
    fields: FieldOutput = Field(default_factory=FieldOutput, description="field output")
    probes: list[Probe] = Field([], description="line probes")
    checkpoint_every: int = Field(
        100, ge=1, description="also checkpoint every N increments (always at the end of each "
                               "protocol step and on failure), for --restart after a kill")

    @model_validator(mode="after")
    def _unique(self) -> Output:
        names = [p.name for p in self.probes]
        if len(set(names)) != len(names):
            fail(f"probe names must be unique; given {names}", key="probes")
        return self


class Case(_Model):
    """A simulation case."""

    name: str = Field(pattern=NAME_PATTERN, description="case name (letters, digits, _.+-)")
    geometry: Geometry = Field(description="the body, chosen by kind")
    chemistry: Literal["Li", "Na"] = Field(description="inserted species")
    materials: dict[str, AnyMaterial] = Field(
        description="materials by role: 'active' (the host the species enters) and, for "
                    "geometries with several regions, the other roles it names (shell, matrix, "
                    "substrate, collector, coating, fibre), which are elastic only")
    initial: Initial = Field(default_factory=Initial, description="initial state")
    physics: Physics = Field(default_factory=Physics, description="physics switches")
    electrochemistry: Electrochemistry = Field(
        default_factory=Electrochemistry, description="electrolyte and surface film")
    temperature: Quantity("temperature", gt=0) = Field(298.15, description="temperature")
    protocol: Protocol = Field(description="cycling protocol")
    solver: SolverSpec = Field(default_factory=SolverSpec, description="solver settings")
    output: Output = Field(default_factory=Output, description="output settings")
    interfaces: list[Interface] = Field(
        default_factory=list, description="species conditions at heterointerfaces between host "
        "materials (default: bonded with K = c_max,b/c_max,a)")

    @model_validator(mode="after")
    def _check(self) -> Case:
        if "active" not in self.materials:
            fail(f"the 'active' material is required; given: {', '.join(self.materials) or 'none'}",
                 key="materials")
        roles = geometry_roles(self.geometry)
        missing = [r for r in roles if r not in self.materials]
        extra = [r for r in self.materials if r not in roles]
        if missing or extra:
            fail(f"geometry {self.geometry.kind} has the regions {', '.join(roles)}; "
                 + (f"give materials for {', '.join(missing)}" if missing else
                    f"remove {', '.join(extra)}"), key="materials")
        if not isinstance(self.materials["active"], Material):
            fail("the active material needs transport data (D, c_max, expansion or Omega, "
                 "density), e.g. from: Sn-Na", key="materials.active")
        for role, m in self.materials.items():
            if getattr(m, "chemistry", None) not in (None, self.chemistry):
                fail(f"material {m.name!r} is data for {m.chemistry} but the case has chemistry "
                     f"{self.chemistry}; choose a {self.chemistry} material from the library: "
                     f"{', '.join(library.names())}", key=f"materials.{role}")
        active = self.materials["active"]
        if self.physics.moduli == "interpolated" and (
                active.E_alloyed is None and active.E_curve is None
                or active.nu_alloyed is None and active.nu_curve is None):
            fail("moduli: interpolated needs E_alloyed (or E_curve) and nu_alloyed (or nu_curve) "
                 "in the active material", key="physics.moduli")
        if self.physics.phase_separation == "cahn_hilliard" and None in (
                active.interaction, active.gradient_length):
            fail("phase_separation: cahn_hilliard needs interaction and gradient_length in the "
                 "active material", key="physics.phase_separation")
        if self.physics.plasticity == "viscoplastic":
            missing = [k for k in ("yield_stress", "flow_rate", "flow_exponent")
                       if getattr(active, k) is None]
            if missing:
                fail(f"plasticity: viscoplastic needs {', '.join(missing)} in the active "
                     "material", key="materials.active")
        growth = self.physics.sei_growth
        if growth is not None and growth.model == "reaction" and active.ocv is None:
            fail("the reaction-limited SEI law grows with the electrode potential, which needs "
                 "an ocv in the active material, e.g. from: Sn-Na", key="physics.sei_growth.model")
        meshed = getattr(self.geometry, "sei", None)
        if growth is not None and meshed is not None \
                and "initial_thickness" not in growth.model_fields_set:
            growth.initial_thickness = meshed.thickness
        fracture = self.physics.fracture
        for role in fracture.regions if fracture else ():
            if role not in self.materials:
                fail(f"fracture in {role!r}: the case's materials are {', '.join(self.materials)}",
                     key="physics.fracture.regions")
            if self.materials[role].Gc is None:
                fail(f"fracture in {role!r} needs Gc in materials.{role}",
                     key=f"materials.{role}")
        for i, interface in enumerate(self.interfaces):
            for role in interface.between:
                if role not in self.materials:
                    fail(f"interface role {role!r}: the case's materials are "
                         f"{', '.join(self.materials)}", key=f"interfaces.{i}.between")
                species = interface.condition != "cohesive" or \
                    interface.partition is not None or interface.resistance is not None
                if species and not isinstance(self.materials[role], Material):
                    fail(f"{role!r} is an elastic material: it takes no species, so its "
                         "interfaces block the flux already; species conditions join two "
                         "hosts (an elastic material may only delaminate: condition cohesive "
                         "without partition or resistance)", key=f"interfaces.{i}.between")
        pairs = [frozenset(f.between) for f in self.interfaces]
        if len(set(pairs)) < len(pairs):
            fail("an interface is given twice", key="interfaces")
        for i, step in enumerate(self.protocol.steps):
            voltage_controlled = step.kind in ("sweep", "cccv") or step.voltage is not None
            if active.ocv is None and (voltage_controlled or step.until_voltage is not None):
                fail(f"step {i} uses a voltage, which needs an ocv (and exchange_current) in the "
                     "active material, e.g. from: Sn-Na", key=f"protocol.steps.{i}")
        if isinstance(self.geometry, BoxGeometry) and not self.geometry.wetted and any(
                s.kind != "rest" for s in self.protocol.steps):
            fail("the protocol inserts or extracts but no face is wetted; list faces in wetted, "
                 "e.g. [x1]", key="geometry.wetted")
        return self

    def output_dir(self) -> Path:
        """Results directory: output.dir, or results/NAME."""
        return Path(self.output.dir if self.output.dir is not None else f"results/{self.name}")
