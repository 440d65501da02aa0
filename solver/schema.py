"""Case-file schema: pydantic models, the single source of truth (loading is in solver.case).

All dimensional values are SI floats after validation (m, s, Pa, mol/m^3, K, ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn, Optional, Union, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from solver import materials as library
from solver.units import KINDS, Quantity, parse_c_rate, to_si


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
                    "J_c", "plastic_strain"]
NAME_PATTERN = r"^[A-Za-z0-9_.+-]+$"


# ---------------------------------------------------------------- geometry
class MeshSpec(_Model):
    """Mesh resolution."""

    size: Optional[PosLength] = Field(
        None, description="element size; null = radius/20 (sphere) or max(size)/8 (box)")
    order: Literal[1, 2] = Field(2, description="polynomial degree of the displacement")


class SphereGeometry(_Model):
    """A spherical particle centred at the origin."""

    kind: Literal["sphere"] = Field(description="geometry kind")
    radius: PosLength = Field(description="particle radius")
    dimension: Literal["radial", "axisymmetric", "3d"] = Field(
        "3d", description="radial = 1-D spherical symmetry; axisymmetric = 2-D (r, z)")
    symmetry: Literal["full", "octant"] = Field(
        "octant", description="mesh the full body or one symmetric part with symmetry planes")
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


IMPLEMENTED_KINDS = ("sphere", "box")
PLANNED_KINDS = ("ellipsoid", "wire", "core_shell", "yolk_shell", "inverse_opal",
                 "fibre_clusters", "composite", "film", "file", "image")


def _geometry_kind(value: Any) -> Any:
    implemented = ", ".join(IMPLEMENTED_KINDS)
    if not isinstance(value, dict):
        fail(f"geometry must be a mapping with a kind ({implemented}); given {value!r}")
    if "kind" not in value:
        fail(f"geometry kind is required; implemented kinds: {implemented}", key="kind")
    if value["kind"] not in IMPLEMENTED_KINDS:
        what = "is not implemented yet" if value["kind"] in PLANNED_KINDS else "is unknown"
        fail(f"geometry kind {value['kind']!r} {what}; implemented kinds: {implemented}",
             key="kind")
    return value


Geometry = Annotated[Union[SphereGeometry, BoxGeometry], Field(discriminator="kind"),
                     BeforeValidator(_geometry_kind)]


# ---------------------------------------------------------------- materials
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

    @model_validator(mode="before")
    @classmethod
    def _merge_library(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "from" not in data:
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
    def _moduli_curves(self) -> Material:
        if self.E_curve is not None:
            _check_curve(self.E_curve, "E_curve", self.E, "E", lower=0.0)
        if self.nu_curve is not None:
            _check_curve(self.nu_curve, "nu_curve", self.nu, "nu", lower=-1.0, upper=0.5)
        if self.D_curve is not None:
            _check_curve(self.D_curve, "D_curve", self.D, "D", lower=0.0)
        return self


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
StepKind = Literal["insert", "extract", "hold", "rest"]
STEP_KINDS: tuple[str, ...] = get_args(StepKind)


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


def _time(value: Any) -> float:
    return to_si(KINDS["time"], value)


def _step_from_yaml(data: dict[str, Any]) -> dict[str, Any]:
    kinds = [k for k in STEP_KINDS if k in data]
    if len(kinds) != 1:
        fail(f"a step needs exactly one of {', '.join(STEP_KINDS)}; given keys: "
             f"{', '.join(map(str, data)) or 'none'}")
    kind = kinds[0]
    _only(data, None, [kind] if kind == "rest" else [kind, "until"])
    if kind == "rest":
        return {"kind": kind, "until_time": _at("rest", _time, data[kind])}
    flat: dict[str, Any] = {"kind": kind}
    if kind == "hold":
        flat["theta"] = _at("hold.theta", float, _only(data[kind], kind, ["theta"]).get("theta"))
    else:
        flat["c_rate"] = _at(f"{kind}.c_rate", parse_c_rate,
                             _only(data[kind], kind, ["c_rate"]).get("c_rate"))
    until = _only(data.get("until", {}), "until", ["soc", "time", "voltage"])
    if "voltage" in until:
        fail("voltage limits need an OCV model, not available in this version; use soc or time",
             key="until.voltage")
    if "soc" in until:
        flat["until_soc"] = _at("until.soc", float, until["soc"])
    if "time" in until:
        flat["until_time"] = _at("until.time", _time, until["time"])
    return flat


class Step(_Model):
    """One protocol step (Python side: kind, c_rate, theta, until_soc, until_time [s])."""

    kind: StepKind
    c_rate: Optional[float] = Field(None, description="C-rate (1C fills θ 0 -> 1 in one hour)")
    theta: Optional[float] = Field(None, description="surface site fraction held (hold)")
    until_soc: Optional[float] = Field(None, description="end when the mean θ reaches this")
    until_time: Optional[float] = Field(None, description="step duration [s]")

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, data: Any) -> Any:
        return _step_from_yaml(data) if isinstance(data, dict) and "kind" not in data else data

    @model_validator(mode="after")
    def _check(self) -> Step:
        k = self.kind
        if k == "rest":
            if self.until_time is None or self.until_time <= 0:
                fail(f"a rest needs a positive duration, e.g. 10 min; given {self.until_time}",
                     key="rest")
            return self
        if k == "hold" and not (self.theta is not None and 0 < self.theta < 1):
            fail(f"hold needs 0 < theta < 1; given {self.theta}", key="hold.theta")
        if k != "hold" and not (self.c_rate is not None and self.c_rate > 0):
            fail(f"{k} needs a c_rate > 0, e.g. 1, '2C' or 'C/10'; given {self.c_rate}",
                 key=f"{k}.c_rate")
        if self.until_soc is None and self.until_time is None:
            fail(f"{k} needs an end condition: until: {{soc: ...}} or until: {{time: ...}}")
        if self.until_soc is not None and not 0 < self.until_soc < 1:
            fail(f"until soc must lie strictly between 0 and 1 to be reachable; given "
                 f"{self.until_soc}", key="until.soc")
        if self.until_time is not None and self.until_time <= 0:
            fail(f"until time must be > 0; given {self.until_time} s", key="until.time")
        return self

    def to_yaml(self) -> dict[str, Any]:
        """The YAML form of this step (SI numbers)."""
        if self.kind == "rest":
            return {"rest": self.until_time}
        body = {"theta": self.theta} if self.kind == "hold" else {"c_rate": self.c_rate}
        until = {"soc": self.until_soc, "time": self.until_time}
        return {self.kind: body, "until": {k: v for k, v in until.items() if v is not None}}


class Protocol(_Model):
    """The cycling protocol: `steps` repeated `cycles` times."""

    cycles: int = Field(1, ge=1, description="number of repetitions of the steps")
    steps: list[Step] = Field(min_length=1, description="steps of one cycle (see below)")


# ---------------------------------------------------------------- the rest
class Initial(_Model):
    """Uniform initial state; the body is stress-free there."""

    soc: float = Field(0.0, ge=0, lt=1, description="initial site fraction θ")


class Physics(_Model):
    """Which physics to include."""

    kinematics: Literal["small", "finite"] = Field(
        "small", description="small: linear elasticity with eigenstrain (valid for small "
        "swelling only); finite: total-Lagrangian neo-Hookean with F = F_e F_p J_c^(1/3) I")
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


    @model_validator(mode="after")
    def _plastic_needs_finite(self) -> "Physics":
        if self.plasticity == "viscoplastic" and self.kinematics != "finite":
            fail("plasticity: viscoplastic needs kinematics: finite", key="plasticity")
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
                                   "plastic_strain only with plasticity: skipped otherwise)")


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
    materials: dict[str, Material] = Field(description="materials by role; 'active' is required")
    initial: Initial = Field(default_factory=Initial, description="initial state")
    physics: Physics = Field(default_factory=Physics, description="physics switches")
    temperature: Quantity("temperature", gt=0) = Field(298.15, description="temperature")
    protocol: Protocol = Field(description="cycling protocol")
    solver: SolverSpec = Field(default_factory=SolverSpec, description="solver settings")
    output: Output = Field(default_factory=Output, description="output settings")

    @model_validator(mode="after")
    def _check(self) -> Case:
        if "active" not in self.materials:
            fail(f"the 'active' material is required; given: {', '.join(self.materials) or 'none'}",
                 key="materials")
        for role, m in self.materials.items():
            if m.chemistry is not None and m.chemistry != self.chemistry:
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
        if isinstance(self.geometry, BoxGeometry) and not self.geometry.wetted and any(
                s.kind != "rest" for s in self.protocol.steps):
            fail("the protocol inserts or extracts but no face is wetted; list faces in wetted, "
                 "e.g. [x1]", key="geometry.wetted")
        return self

    def output_dir(self) -> Path:
        """Results directory: output.dir, or results/NAME."""
        return Path(self.output.dir if self.output.dir is not None else f"results/{self.name}")
