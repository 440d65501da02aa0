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

SEI with ``mesh.sei_size`` (axisymmetric and 3-D): gmsh meshes the particle alone, its surface
at the size sei_size (graded from the core's size by the Ball field), and the SEI is extruded
from that surface triangulation along the radius in exactly ``sei_layers`` equal layers, each
prism (quad) split into tetrahedra (triangles) by the staircase rule on the node numbers, so
that neighbours share their faces; the tangential size no longer follows the thickness.  The
new vertices lie on the exact spheres r = R + kt/n; the side faces in the symmetry planes stay
in them (the radial scaling keeps a zero coordinate zero).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import solver.mpi_env  # noqa: F401  (MPI of the wheel first)

import numpy as np
from mpi4py import MPI

from .domain import Domain, mesh_size
from .ellipsoid import (SYMMETRY_PLANES, add_named_boundary, ball_pins, body, check_symmetry,
                        embed_pins, generate, section, symmetry_name)
from .gmsh_session import gmsh_model, mesh_options, to_dolfinx

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
    at least ``mesh.sei_layers`` elements through it (exactly, extruded, with
    ``mesh.sei_size``); the species enter at the interface."""
    core, thickness = _positive(geometry, "radius"), _positive(geometry.sei, "thickness")
    radii = {"surface": core + thickness, "interface:active:sei": core}
    return _build(geometry, comm, "sei_particle", radii, core, core,
                  wetted=("interface:active:sei",), shell_role="sei",
                  layers=geometry.mesh.sei_layers, default_size=geometry.mesh.size,
                  extruded_size=getattr(geometry.mesh, "sei_size", None))


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
           default_size=None, extruded_size=None) -> Domain:
    """``radii``: facet name -> radius (surface first); the active body is r ≤ ``core``, the
    shell (role ``shell_role``, at least ``layers`` elements across) ``inner`` ≤ r ≤
    radii['surface'] (inner == core: bonded).  ``extruded_size`` (bonded, not radial): the
    shell is extruded in ``layers`` layers from the core's surface meshed at that size."""
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
    extruded = extruded_size is not None and dimension != "radial"
    if extruded and not float(extruded_size) > 0.0:
        raise ValueError(f"mesh.sei_size must be positive, got {extruded_size}")
    h_shell = min(h, float(extruded_size) if extruded else (outer - inner) / layers)
    spec = _Spec(kind, symmetry, radii, ids, core, inner, outer, h, h_shell, shell_role,
                 layers if extruded else 0)
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
    inner ≤ r ≤ outer; element sizes h and h_shell = min(h, shell thickness / 2), or the
    tangential size of a shell extruded in ``extruded_layers`` layers (0: not extruded)."""

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
    extruded_layers: int = 0

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

    if spec.extruded_layers:
        r = spec.core / scale
        return _extruded(spec, comm, 2, lambda occ: section(occ, r, r, spec.symmetry), ()), \
            core_pins

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

    if spec.extruded_layers:
        r = spec.core / scale
        return _extruded(spec, comm, 3, lambda occ: body(occ, (r,) * 3, spec.symmetry),
                         core_pins), core_pins

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


# --------------------------------------------------------------------------- extruded shell
def _extruded(spec: _Spec, comm: MPI.Comm, dim: int, draw_core, pins):
    """The core (``draw_core(occ)``, unit-scaled, with ``pins``) meshed by gmsh with its surface
    at h_shell, then the bonded shell extruded from its surface (``_extrude_shell``)."""
    if not spec.bonded:
        raise ValueError("only a bonded shell is extruded")
    scale = spec.outer
    with gmsh_model(f"swellfem_{spec.kind}_extruded", comm) as gmsh:
        error = None
        if gmsh is not None:
            try:
                core = draw_core(gmsh.model.occ)
                gmsh.model.occ.synchronize()
                embed_pins(gmsh, pins, scale, core)
                mesh_options(gmsh, spec.h / scale)
                if spec.finest is not None:  # as ellipsoid.generate with a size field
                    _shell_size(gmsh, spec, scale)
                    gmsh.option.setNumber("Mesh.MeshSizeMin", 0.5 * spec.finest)
                    gmsh.option.setNumber("Mesh.MeshSizeExtendFromBoundary", 0)
                gmsh.model.mesh.generate(dim)
                _extrude_shell(gmsh, spec, scale, dim, core)
            except Exception as exc:  # noqa: BLE001  (re-raised on every rank below)
                error = exc
        return to_dolfinx(gmsh, comm, gdim=dim, scale=scale, error=error)


def _extrude_shell(gmsh, spec: _Spec, scale: float, dim: int, core: int) -> None:
    """Add the shell to the meshed core as discrete gmsh entities, and the physical groups.

    The core's curved boundary (facets: simplices of ``dim`` nodes) is copied to the radii
    R_c + k(R_o − R_c)/n, k = 1..n.  A facet with nodes v_0 < … < v_{m−1} (by tag) spans between
    two copies m simplices {v_0 … v_i below, v_i … v_{m−1} above}, i = 0..m−1: every side
    face (v_a, v_b), a < b, is split by the diagonal from v_a below to v_b above, the same in
    both prisms that share it.
    The facets of the surface's own boundary (in a symmetry plane) span the side faces there."""
    model, mesh = gmsh.model, gmsh.model.mesh
    boundary = sorted({tag for _, tag in model.getBoundary([(dim, core)], oriented=False)})
    names = {tag: symmetry_name(gmsh, dim - 1, tag) for tag in boundary}
    curved = [tag for tag, name in names.items() if name is None]
    facet_type = mesh.getElementType("triangle" if dim == 3 else "line", 1)
    cell_type = mesh.getElementType("tetrahedron" if dim == 3 else "triangle", 1)
    facets = np.sort(np.concatenate([mesh.getElementsByType(facet_type, tag)[1]
                                     for tag in curved]).reshape(-1, dim).astype(np.int64), axis=1)
    tags, coords, _ = mesh.getNodes()
    x = np.empty((int(tags.max()) + 1, 3))
    x[tags.astype(np.int64)] = coords.reshape(-1, 3)
    base = np.unique(facets)
    n, first = spec.extruded_layers, int(tags.max()) + 1
    unit = x[base] / np.linalg.norm(x[base], axis=1)[:, None]
    radii = (spec.inner + (spec.outer - spec.inner) * np.arange(1, n + 1) / n) / scale
    new = np.concatenate([unit * r for r in radii])

    def node(v, k):  # tag of (the copy at layer k of) base node v
        return v if k == 0 else first + (k - 1) * base.size + np.searchsorted(base, v)

    def span(simplices):  # the staircase between every pair of adjacent layers
        m = simplices.shape[1]
        return np.concatenate([
            np.column_stack([node(simplices[:, j], k + (j >= i)) for j in range(m)]
                            + [node(simplices[:, i], k)])
            for k in range(n) for i in range(m)])

    cells = _positively_oriented(span(facets), np.concatenate([x, new])[:, :dim])
    volume = model.addDiscreteEntity(dim)
    mesh.addNodes(dim, volume, np.arange(first, first + new.shape[0]), new.ravel())
    mesh.addElementsByType(volume, cell_type, [], cells.ravel())
    groups = {name: [] for name in spec.ids}
    groups["surface"].append(_discrete(gmsh, dim - 1, facet_type, node(facets, n)))
    groups[list(spec.radii)[1]] += curved
    for tag, name in names.items():
        if name is not None:
            groups[name].append(tag)
    for name, sides in _sides(facets, x, dim).items():
        groups[name].append(_discrete(gmsh, dim - 1, facet_type, span(sides)))
    model.addPhysicalGroup(dim, [core], 1, name="active")
    model.addPhysicalGroup(dim, [volume], 2, name=spec.shell_role)
    for name, entities in groups.items():
        if not entities:
            raise RuntimeError(f"no gmsh entity found for facet {name!r}")
        model.addPhysicalGroup(dim - 1, entities, spec.ids[name], name=name)


def _discrete(gmsh, dim: int, element_type: int, elements: np.ndarray) -> int:
    entity = gmsh.model.addDiscreteEntity(dim)
    gmsh.model.mesh.addElementsByType(entity, element_type, [], elements.ravel())
    return entity


def _sides(facets: np.ndarray, x: np.ndarray, dim: int) -> dict[str, np.ndarray]:
    """The boundary of the surface triangulation (sub-facets of one facet only: edges in 3-D,
    nodes in 2-D, sorted), by the symmetry plane that holds them."""
    subs = np.concatenate([np.delete(facets, j, axis=1) for j in range(dim)])
    unique, count = np.unique(subs, axis=0, return_counts=True)
    sides = unique[count == 1]
    planes = SYMMETRY_PLANES[dim - 1]
    found, named = {}, np.zeros(len(sides), dtype=bool)
    for name, (axis, value) in planes.items():
        inside = np.all(np.abs(x[sides][:, :, axis] - value) < 1e-9, axis=1) & ~named
        named |= inside
        if inside.any():
            found[name] = sides[inside]
    if not named.all():
        raise RuntimeError(f"{np.sum(~named)} boundary facets of the particle surface lie in "
                           "no symmetry plane")
    return found


def _positively_oriented(cells: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``cells`` (node tags = rows of ``x``) with the first two nodes swapped where the simplex
    is negatively oriented."""
    points = x[cells]
    flip = np.linalg.det(points[:, 1:] - points[:, :1]) < 0.0
    cells[flip, :2] = cells[flip, 1::-1]
    return cells
