"""Ellipsoid meshes x²/a² + y²/b² + z²/c² ≤ 1 (centre at the origin, role ``active`` = cell 1).

  * ``3d`` octant (x, y, z ≥ 0): facets surface 1 (wetted), x0 2, y0 3, z0 4, rollers along
    x, y, z on x0, y0, z0; ``body_factor`` 8.
  * ``3d`` full: facet surface 1; pins at the centre (all components), at (a/2, 0, 0) (y, z)
    and (0, b/2, 0) (z) remove the rigid modes as for the sphere; ``body_factor`` 1.
  * ``axisymmetric`` (a spheroid, a = b, about z; x[0] = r, x[1] = z): octant = the quarter
    section z ≥ 0 with surface 1, axis 2 (roller in r), equator 3 (roller in z), ``body_factor``
    4π; full = the half section with surface 1, axis 2 and a z-pin at the centre, 2π.

``length`` is the largest semi-axis; gmsh meshes the ellipsoid scaled by it (a sphere or a
disk section dilated to the semi-axes) and the coordinates are scaled back afterwards.
Default element size min(a, b, c)/10.

The gmsh helpers below (meshing and distribution, spheroid sections and bodies, pins, facet
naming) are shared by the other particle builders: shells, wire, film.
"""

from __future__ import annotations

import math

import solver.mpi_env  # noqa: F401  (MPI of the wheel first)

from mpi4py import MPI

from .domain import Domain, mesh_size
from .gmsh_session import gmsh_model, mesh_options, to_dolfinx

SYMMETRIES = ("full", "octant")
TOL = 1e-6  # gmsh geometry tolerance in unit-scaled coordinates
# boundary entity dimension -> symmetry planes through the origin: name -> (axis, value)
SYMMETRY_PLANES = {2: {"x0": (0, 0.0), "y0": (1, 0.0), "z0": (2, 0.0)},
                   1: {"axis": (0, 0.0), "equator": (1, 0.0)}}


def build_ellipsoid(geometry, comm: MPI.Comm) -> Domain:
    axes = tuple(float(v) for v in geometry.semi_axes)
    if len(axes) != 3 or min(axes) <= 0.0:
        raise ValueError(f"ellipsoid semi_axes must be three positive lengths, got {axes}")
    dimension = str(getattr(geometry, "dimension", "3d"))
    symmetry = str(getattr(geometry, "symmetry", "octant"))
    check_symmetry("ellipsoid", symmetry)
    size = mesh_size(geometry, min(axes) / 10.0)
    if dimension == "axisymmetric":
        if not math.isclose(axes[0], axes[1], rel_tol=1e-12):
            raise ValueError(f"an axisymmetric ellipsoid needs a = b (a spheroid about z), "
                             f"got semi_axes {axes}")
        return _spheroid(axes, size, symmetry, comm)
    if dimension == "3d":
        return _ellipsoid(axes, size, symmetry, comm)
    raise ValueError(f"ellipsoid dimension must be axisymmetric or 3d, got {dimension!r}")


def _spheroid(axes, size: float, symmetry: str, comm: MPI.Comm) -> Domain:
    scale = max(axes)
    ids = {"surface": 1, "axis": 2, "equator": 3} if symmetry == "octant" else \
        {"surface": 1, "axis": 2}

    def draw(gmsh):
        surface = section(gmsh.model.occ, axes[0] / scale, axes[2] / scale, symmetry)
        gmsh.model.occ.synchronize()
        gmsh.model.addPhysicalGroup(2, [surface], 1, name="active")
        add_named_boundary(gmsh, [(2, surface)], ids,
                           lambda tag: symmetry_name(gmsh, 1, tag) or "surface")

    data = generate("swellfem_spheroid", comm, 2, scale, size / scale, draw)
    if symmetry == "octant":
        rollers, pins, factor = ((ids["axis"], 0), (ids["equator"], 1)), (), 4.0 * math.pi
    else:
        rollers, pins, factor = ((ids["axis"], 0),), (((0.0, 0.0, 0.0), (1,)),), 2.0 * math.pi
    return Domain(mesh=data.mesh, cell_tags=data.cell_tags, facet_tags=data.facet_tags,
                  dimension="axisymmetric", facet_ids=ids, wetted=(ids["surface"],),
                  rollers=rollers, pins=pins, length=scale, body_factor=factor)


def _ellipsoid(axes, size: float, symmetry: str, comm: MPI.Comm) -> Domain:
    scale = max(axes)
    ids = {"surface": 1, "x0": 2, "y0": 3, "z0": 4} if symmetry == "octant" else {"surface": 1}
    pins = () if symmetry == "octant" else ball_pins(axes[0], axes[1])

    def draw(gmsh):
        vol = body(gmsh.model.occ, [v / scale for v in axes], symmetry)
        gmsh.model.occ.synchronize()
        embed_pins(gmsh, pins, scale, vol)
        gmsh.model.addPhysicalGroup(3, [vol], 1, name="active")
        add_named_boundary(gmsh, [(3, vol)], ids,
                           lambda tag: symmetry_name(gmsh, 2, tag) or "surface")

    data = generate("swellfem_ellipsoid", comm, 3, scale, size / scale, draw)
    if symmetry == "octant":
        rollers, factor = ((ids["x0"], 0), (ids["y0"], 1), (ids["z0"], 2)), 8.0
    else:
        rollers, factor = (), 1.0
    return Domain(mesh=data.mesh, cell_tags=data.cell_tags, facet_tags=data.facet_tags,
                  dimension="3d", facet_ids=ids, wetted=(ids["surface"],), rollers=rollers,
                  pins=pins, length=scale, body_factor=factor)


# --------------------------------------------------------------------------- shared helpers
def check_symmetry(kind: str, symmetry: str) -> None:
    if symmetry not in SYMMETRIES:
        raise ValueError(f"{kind} symmetry must be one of {SYMMETRIES}, got {symmetry!r}")


def generate(name: str, comm: MPI.Comm, gdim: int, scale: float, h: float, draw,
             finest: float | None = None):
    """Mesh on rank 0 what ``draw(gmsh)`` builds (unit-scaled geometry, physical groups) with
    element size ``h``, and distribute it scaled by ``scale``.  ``finest``: ``draw`` set a
    background size field going down to it; boundary sizes are then not extended inwards (the
    field grades the mesh)."""
    with gmsh_model(name, comm) as gmsh:
        error = None
        if gmsh is not None:
            try:
                draw(gmsh)
                mesh_options(gmsh, h)
                if finest is not None:
                    gmsh.option.setNumber("Mesh.MeshSizeMin", 0.5 * min(h, finest))
                    gmsh.option.setNumber("Mesh.MeshSizeExtendFromBoundary", 0)
                gmsh.model.mesh.generate(gdim)
            except Exception as exc:  # noqa: BLE001  (re-raised on every rank below)
                error = exc
        return to_dolfinx(gmsh, comm, gdim=gdim, scale=scale, error=error)


def section(occ, r: float, z: float, symmetry: str) -> int:
    """(r, z) section of the spheroid of radii r (equatorial) and z (polar): the quarter z ≥ 0
    (octant) or the half r ≥ 0 with the centre as a boundary vertex (full).  Not synchronized."""
    origin = occ.addPoint(0.0, 0.0, 0.0)
    right, top = occ.addPoint(r, 0.0, 0.0), occ.addPoint(0.0, r, 0.0)
    arcs = [occ.addCircleArc(right, origin, top)]
    if symmetry == "octant":
        lines = [occ.addLine(top, origin), occ.addLine(origin, right)]
    else:
        bottom = occ.addPoint(0.0, -r, 0.0)
        arcs.insert(0, occ.addCircleArc(bottom, origin, right))
        lines = [occ.addLine(top, origin), occ.addLine(origin, bottom)]
    surface = occ.addPlaneSurface([occ.addCurveLoop(arcs + lines)])
    if z != r:
        occ.dilate([(2, surface)], 0.0, 0.0, 0.0, 1.0, z / r, 1.0)
    return surface


def body(occ, axes, symmetry: str) -> int:
    """The ellipsoid of semi-axes ``axes`` about the origin (its octant x, y, z ≥ 0, or all of
    it).  Not synchronized."""
    a = axes[0]
    if symmetry == "octant":
        vol = occ.addSphere(0.0, 0.0, 0.0, a, angle1=0.0, angle2=math.pi / 2,
                            angle3=math.pi / 2)
    else:
        vol = occ.addSphere(0.0, 0.0, 0.0, a)
    if axes[1] != a or axes[2] != a:
        occ.dilate([(3, vol)], 0.0, 0.0, 0.0, 1.0, axes[1] / a, axes[2] / a)
    return vol


def ball_pins(a: float, b: float):
    """Pins of a full 3-D body symmetric about the origin: the centre (all components), the
    point a/2 along x (y, z) and b/2 along y (z): none hinders a radial expansion."""
    return (((0.0, 0.0, 0.0), (0, 1, 2)), ((0.5 * a, 0.0, 0.0), (1, 2)),
            ((0.0, 0.5 * b, 0.0), (2,)))


def embed_pins(gmsh, pins, scale: float, volume: int) -> None:
    """Make the pin points (SI) mesh vertices inside ``volume`` (a volume in 3-D, a surface in
    2-D) of the synchronized model."""
    if not pins:
        return
    occ = gmsh.model.occ
    points = [occ.addPoint(*(c / scale for c in point)) for point, _ in pins]
    occ.synchronize()
    gmsh.model.mesh.embed(0, points, gmsh.model.getDimension(), volume)


def plane_name(gmsh, dim: int, tag: int, planes: dict[str, tuple[int, float]]) -> str | None:
    """The name of the plane {x[axis] = value} of ``planes`` (name -> (axis, value), unit-scaled)
    in which the entity lies, None if in none (a curved entity)."""
    com = gmsh.model.occ.getCenterOfMass(dim, tag)
    bbox = gmsh.model.getBoundingBox(dim, tag)
    for name, (axis, value) in planes.items():
        span = max(abs(bbox[axis] - value), abs(bbox[axis + 3] - value))
        if abs(com[axis] - value) < TOL and span < 10 * TOL:
            return name
    return None


def symmetry_name(gmsh, dim: int, tag: int) -> str | None:
    """x0, y0, z0 (3-D) or axis, equator (the (r, z) plane) for a boundary entity of dimension
    ``dim`` in that symmetry plane through the origin, else None."""
    return plane_name(gmsh, dim, tag, SYMMETRY_PLANES[dim])


def add_named_boundary(gmsh, entities, ids: dict[str, int], namer) -> None:
    """Physical groups of the boundary entities of ``entities`` (shared ones once), each named
    by ``namer(tag)``; every name of ``ids`` must get an entity."""
    dim = entities[0][0] - 1
    groups = {name: [] for name in ids}
    boundary = gmsh.model.getBoundary(entities, combined=False, oriented=False)
    for tag in sorted({tag for _, tag in boundary}):
        groups[namer(tag)].append(tag)
    for name, tags in groups.items():
        if not tags:
            raise RuntimeError(f"no gmsh entity found for facet {name!r}")
        gmsh.model.addPhysicalGroup(dim, tags, ids[name], name=name)
