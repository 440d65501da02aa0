"""Concentric spherical particles: a core in a bonded shell, a yolk in a shell, and a particle
under a meshed SEI (the shell's role ``sei``, the species entering at the interface).

Regions: ``active`` (cell tag 1: core or yolk) and ``shell`` (2), centred at the origin.
Radii: core R_c (yolk R_y), shell from R_i (= R_c, or R_y + gap) to R_o = R_i + thickness.

Facets (ids in this order): surface (r = R_o, wetted), the symmetry facets of the dimension
as for the sphere (radial: center; axisymmetric: axis, and equator for the octant; 3-D octant:
x0, y0, z0, rollers along their normals), then
  * core_shell: interface:active:shell (r = R_c; interior facets);
  * yolk_shell: inner_surface (r = R_i) and yolk_surface (r = R_y), both wetted.
Radial meshes are 1-D intervals (a vertex at every radius, the interval split by the gap for
the yolk); the shell gets at least two elements across (a finer size in it if needed).

Rigid modes: the symmetry facets hold both bodies.  A full 3-D body has the sphere's pins in
the core (yolk); the free shell of a full yolk_shell is held by pins at its mid radius ρ that
fix only components normal to the radius: (±ρ, 0, 0) in y and z, (0, ρ, 0) in x and z.  The
full axisymmetric section is pinned in z at the centre and, for the yolk's shell, at (ρ, 0).

``length`` = R_o; ``body_factor`` as for the sphere (4π radial and axisymmetric octant, 2π
axisymmetric full, 8 octant, 1 full 3-D).  Default element size R_c/10 (R_y/10), in the shell
at most half its thickness (a Ball size field grades from the core).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import solver.mpi_env  # noqa: F401  (MPI of the wheel first)

import numpy as np
from mpi4py import MPI

from .domain import Domain, mesh_size
from .ellipsoid import (add_named_boundary, ball_pins, body, check_symmetry, embed_pins,
                        generate, section, symmetry_name)

SYMMETRY_IDS = {
    ("radial", "full"): ("center",), ("radial", "octant"): ("center",),
    ("axisymmetric", "full"): ("axis",), ("axisymmetric", "octant"): ("axis", "equator"),
    ("3d", "full"): (), ("3d", "octant"): ("x0", "y0", "z0"),
}
ROLLER_AXIS = {"center": 0, "axis": 0, "equator": 1, "x0": 0, "y0": 1, "z0": 2}
BODY_FACTOR = {
    ("radial", "full"): 4 * math.pi, ("radial", "octant"): 4 * math.pi,
    ("axisymmetric", "full"): 2 * math.pi, ("axisymmetric", "octant"): 4 * math.pi,
    ("3d", "full"): 1.0, ("3d", "octant"): 8.0,
}


def build_core_shell(geometry, comm: MPI.Comm) -> Domain:
    core, thickness = _positive(geometry, "core_radius"), _positive(geometry, "shell_thickness")
    radii = {"surface": core + thickness, "interface:active:shell": core}
    return _build(geometry, comm, "core_shell", radii, core, core, wetted=("surface",))


def build_sei_particle(geometry, comm: MPI.Comm) -> Domain:
    """A sphere (``geometry``: the sphere's model) under a bonded SEI shell (role ``sei``) with
    at least ``mesh.sei_layers`` elements through it; the species enter at the interface."""
    core, thickness = _positive(geometry, "radius"), _positive(geometry.sei, "thickness")
    radii = {"surface": core + thickness, "interface:active:sei": core}
    return _build(geometry, comm, "sei_particle", radii, core, core,
                  wetted=("interface:active:sei",), shell_role="sei",
                  layers=geometry.mesh.sei_layers, default_size=geometry.mesh.size)


def build_yolk_shell(geometry, comm: MPI.Comm) -> Domain:
    yolk, thickness = _positive(geometry, "core_radius"), _positive(geometry, "shell_thickness")
    inner = yolk + _positive(geometry, "gap")
    radii = {"surface": inner + thickness, "inner_surface": inner, "yolk_surface": yolk}
    return _build(geometry, comm, "yolk_shell", radii, yolk, inner,
                  wetted=("surface", "inner_surface", "yolk_surface"))


def _positive(geometry, name: str) -> float:
    value = float(getattr(geometry, name))
    if not value > 0.0:
        raise ValueError(f"{name} must be positive, got {value}")
    return value


def _build(geometry, comm, kind, radii, core, inner, wetted, shell_role="shell", layers=2,
           default_size=None) -> Domain:
    """``radii``: facet name -> radius (surface first); the active body is r ≤ ``core``, the
    shell (role ``shell_role``, at least ``layers`` elements across) ``inner`` ≤ r ≤
    radii['surface'] (inner == core: bonded)."""
    dimension = str(getattr(geometry, "dimension", "3d"))
    symmetry = str(getattr(geometry, "symmetry", "octant"))
    check_symmetry(kind, symmetry)
    if (dimension, symmetry) not in SYMMETRY_IDS:
        raise ValueError(f"{kind} dimension must be radial, axisymmetric or 3d, "
                         f"got {dimension!r}")
    names = ["surface", *SYMMETRY_IDS[(dimension, symmetry)], *list(radii)[1:]]
    ids = {name: i + 1 for i, name in enumerate(names)}
    outer = radii["surface"]
    h = default_size or mesh_size(geometry, core / 10.0)
    spec = _Spec(kind, symmetry, radii, ids, core, inner, outer, h,
                 min(h, (outer - inner) / layers), shell_role)
    mesher = {"radial": _radial, "axisymmetric": _axisymmetric, "3d": _ball}[dimension]
    data, pins = mesher(spec, comm)
    key = (dimension, symmetry)
    rollers = tuple((ids[name], ROLLER_AXIS[name]) for name in SYMMETRY_IDS[key])
    return Domain(mesh=data.mesh, cell_tags=data.cell_tags, facet_tags=data.facet_tags,
                  dimension=dimension, facet_ids=ids, wetted=tuple(ids[n] for n in wetted),
                  rollers=rollers, pins=pins, length=outer, body_factor=BODY_FACTOR[key],
                  regions=spec.regions)


@dataclass(frozen=True)
class _Spec:
    """What the meshers need (lengths in SI): the active body r ≤ core, the shell
    inner ≤ r ≤ outer; element sizes h and h_shell = min(h, shell thickness / 2)."""

    kind: str
    symmetry: str
    radii: dict[str, float]
    ids: dict[str, int]
    core: float
    inner: float
    outer: float
    h: float
    h_shell: float
    shell_role: str = "shell"

    @property
    def regions(self) -> dict[str, int]:
        return {"active": 1, self.shell_role: 2}

    @property
    def bonded(self) -> bool:
        return self.inner == self.core

    @property
    def finest(self) -> float | None:
        """The shell's size (unit-scaled) when finer than the core's, else None."""
        return self.h_shell / self.outer if self.h_shell < self.h else None

    @property
    def mid_shell(self) -> float:
        return 0.5 * (self.inner + self.outer)


# --------------------------------------------------------------------------- radial
def _radial(spec: _Spec, comm: MPI.Comm):
    """1-D intervals [0, R_c] and [R_i, R_o] with uniform elements, vertices at every radius."""
    scale = spec.outer
    pieces = [(0.0, spec.core, "active", spec.h),
              (spec.inner, spec.outer, spec.shell_role, spec.h_shell)]
    names = {0.0: "center", **{r: name for name, r in spec.radii.items()}}

    def draw(gmsh):
        occ = gmsh.model.occ
        points = {r: occ.addPoint(r / scale, 0.0, 0.0) for r in sorted(names)}
        lines = {region: (occ.addLine(points[a], points[b]), math.ceil((b - a) / h - 1e-9))
                 for a, b, region, h in pieces}
        occ.synchronize()
        for region, (line, n) in lines.items():
            gmsh.model.mesh.setTransfiniteCurve(line, max(n, 1) + 1)
            gmsh.model.addPhysicalGroup(1, [line], spec.regions[region], name=region)
        for r, name in names.items():
            gmsh.model.addPhysicalGroup(0, [points[r]], spec.ids[name], name=name)

    return generate(f"swellfem_{spec.kind}_radial", comm, 1, scale, spec.h / scale, draw), ()


# --------------------------------------------------------------------------- axisymmetric
def _axisymmetric(spec: _Spec, comm: MPI.Comm):
    scale = spec.outer
    core_pins, shell_pins = (), ()
    if spec.symmetry == "full":  # the centre is a vertex of the section
        core_pins = (((0.0, 0.0, 0.0), (1,)),)
        if not spec.bonded:
            shell_pins = (((spec.mid_shell, 0.0, 0.0), (1,)),)

    def draw(gmsh):
        occ = gmsh.model.occ
        core, shell = _two_bodies(
            occ, 2, spec, lambda radius: section(occ, radius / scale, radius / scale,
                                                 spec.symmetry))
        _finish(gmsh, spec, scale, 2, core, shell, shell_pins)

    data = generate(f"swellfem_{spec.kind}_axisymmetric", comm, 2, scale, spec.h / scale, draw,
                    finest=spec.finest)
    return data, core_pins + shell_pins


# --------------------------------------------------------------------------- 3-D
def _ball(spec: _Spec, comm: MPI.Comm):
    scale = spec.outer
    core_pins, shell_pins = (), ()
    if spec.symmetry == "full":
        core_pins = ball_pins(spec.core, spec.core)
        if not spec.bonded:
            rho = spec.mid_shell
            shell_pins = (((rho, 0.0, 0.0), (1, 2)), ((-rho, 0.0, 0.0), (1, 2)),
                          ((0.0, rho, 0.0), (0, 2)))

    def draw(gmsh):
        occ = gmsh.model.occ
        core, shell = _two_bodies(
            occ, 3, spec, lambda radius: body(occ, (radius / scale,) * 3, spec.symmetry))
        embed_pins(gmsh, core_pins, scale, core)
        _finish(gmsh, spec, scale, 3, core, shell, shell_pins)

    data = generate(f"swellfem_{spec.kind}_ball", comm, 3, scale, spec.h / scale, draw,
                    finest=spec.finest)
    return data, core_pins + shell_pins


def _two_bodies(occ, dim: int, spec: _Spec, ball) -> tuple[int, int]:
    """Core (yolk) and shell entities from ``ball(radius)``: the core fragments the outer ball
    (bonded), or the shell is the outer ball less the gap ball.  Synchronized."""
    outer = ball(spec.outer)
    if spec.bonded:
        core = ball(spec.core)
        _, pieces = occ.fragment([(dim, outer)], [(dim, core)])
        core_tags = {tag for _, tag in pieces[1]}
        (shell,) = [tag for _, tag in pieces[0] if tag not in core_tags]
        (core,) = core_tags
    else:
        (shell_dt,), _ = occ.cut([(dim, outer)], [(dim, ball(spec.inner))])
        shell = shell_dt[1]
        core = ball(spec.core)
    occ.synchronize()
    return core, shell


def _finish(gmsh, spec: _Spec, scale: float, dim: int, core: int, shell: int, shell_pins):
    """Shell pins, the shell's element size, physical groups of regions and facets."""
    embed_pins(gmsh, shell_pins, scale, shell)
    if spec.finest is not None:
        _shell_size(gmsh, spec, scale)
    gmsh.model.addPhysicalGroup(dim, [core], 1, name="active")
    gmsh.model.addPhysicalGroup(dim, [shell], 2, name=spec.shell_role)
    by_radius = {name: r / scale for name, r in spec.radii.items()}

    def namer(tag):
        return symmetry_name(gmsh, dim - 1, tag) or _nearest(gmsh, dim - 1, tag, by_radius)

    add_named_boundary(gmsh, [(dim, core), (dim, shell)], spec.ids, namer)


def _nearest(gmsh, dim: int, tag: int, by_radius: dict[str, float]) -> str:
    """Name of the sphere (circle) of ``by_radius`` through the middle of a curved entity."""
    low, high = gmsh.model.getParametrizationBounds(dim, tag)
    point = gmsh.model.getValue(dim, tag, 0.5 * (np.asarray(low) + np.asarray(high)))
    radius = float(np.linalg.norm(point))
    return min(by_radius, key=lambda name: abs(by_radius[name] - radius))


def _shell_size(gmsh, spec: _Spec, scale: float) -> None:
    """Element size h_shell from r = R_i on (h within R_i - h for a core, R_y for a yolk)."""
    fields = gmsh.model.mesh.field
    start = max(spec.inner - spec.h, 0.0) if spec.bonded else spec.core
    ball = fields.add("Ball")
    fields.setNumber(ball, "Radius", start / scale)
    fields.setNumber(ball, "Thickness", (spec.inner - start) / scale)
    fields.setNumber(ball, "VIn", spec.h / scale)
    fields.setNumber(ball, "VOut", spec.h_shell / scale)
    fields.setAsBackgroundMesh(ball)
