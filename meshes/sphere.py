"""Sphere meshes: radial interval, axisymmetric disk (sector) and 3-D ball (octant or full).

gmsh meshes are generated on rank 0 of ``comm`` for the *unit* sphere and the coordinates are
scaled by R afterwards, so that gmsh's absolute geometry tolerances (1e-8) never meet
nanometre-sized bodies.  The result is identical for any number of ranks.
"""

from __future__ import annotations

import math

import solver.mpi_env  # noqa: F401  (MPI of the wheel first)

import dolfinx
import numpy as np
from mpi4py import MPI

from .domain import Domain, mesh_size, tag_all_cells, tag_facets
from .gmsh_session import gmsh_model, mesh_options, to_dolfinx

SYMMETRIES = ("full", "octant")


def build_sphere(geometry, comm: MPI.Comm) -> Domain:
    radius = float(geometry.radius)
    if not radius > 0.0:
        raise ValueError(f"sphere radius must be positive, got {radius}")
    dimension = str(getattr(geometry, "dimension", "3d"))
    symmetry = str(getattr(geometry, "symmetry", "octant"))
    if symmetry not in SYMMETRIES:
        raise ValueError(f"sphere symmetry must be one of {SYMMETRIES}, got {symmetry!r}")
    size = mesh_size(geometry, radius / 20.0)
    if dimension == "radial":
        return _radial(radius, size, comm)
    if dimension == "axisymmetric":
        return _axisymmetric(radius, size, symmetry, comm)
    if dimension == "3d":
        return _ball(radius, size, symmetry, comm)
    raise ValueError(f"sphere dimension must be radial, axisymmetric or 3d, got {dimension!r}")


# --------------------------------------------------------------------------- radial
def _radial(radius: float, size: float, comm: MPI.Comm) -> Domain:
    n = max(1, math.ceil(radius / size - 1e-9))
    mesh = dolfinx.mesh.create_interval(comm, n, [0.0, radius])
    tol = 1e-9 * radius
    ids = {"surface": 1, "center": 2}
    facet_tags = tag_facets(
        mesh,
        {
            ids["surface"]: lambda x: np.isclose(x[0], radius, rtol=0.0, atol=tol),
            ids["center"]: lambda x: np.isclose(x[0], 0.0, rtol=0.0, atol=tol),
        },
    )
    return _sphere(mesh, tag_all_cells(mesh), facet_tags, "radial", ids, radius,
                   rollers=((ids["center"], 0),), pins=(), body_factor=4.0 * math.pi)


# --------------------------------------------------------------------------- axisymmetric
def _axisymmetric(radius: float, size: float, symmetry: str, comm: MPI.Comm) -> Domain:
    """Disk sector in the (r, z) plane (x[0] = r >= 0, x[1] = z), unit radius in gmsh."""
    h = size / radius
    if symmetry == "octant":
        ids = {"surface": 1, "axis": 2, "equator": 3}
    else:
        ids = {"surface": 1, "axis": 2}
    with gmsh_model("swellfem_axisymmetric", comm) as gmsh:
        error = None
        if gmsh is not None:
            try:
                geo = gmsh.model.geo
                origin = geo.addPoint(0.0, 0.0, 0.0, h)
                top = geo.addPoint(0.0, 1.0, 0.0, h)
                right = geo.addPoint(1.0, 0.0, 0.0, h)
                if symmetry == "octant":
                    arc = geo.addCircleArc(right, origin, top)
                    axis = geo.addLine(top, origin)
                    equator = geo.addLine(origin, right)
                    loop = geo.addCurveLoop([equator, arc, axis])
                    surface_curves, axis_curves = [arc], [axis]
                else:
                    bottom = geo.addPoint(0.0, -1.0, 0.0, h)
                    arc_low = geo.addCircleArc(bottom, origin, right)
                    arc_high = geo.addCircleArc(right, origin, top)
                    axis_high = geo.addLine(top, origin)  # the origin is a vertex of the boundary
                    axis_low = geo.addLine(origin, bottom)
                    loop = geo.addCurveLoop([arc_low, arc_high, axis_high, axis_low])
                    surface_curves, axis_curves = [arc_low, arc_high], [axis_high, axis_low]
                plane = geo.addPlaneSurface([loop])
                geo.synchronize()
                gmsh.model.addPhysicalGroup(2, [plane], 1, name="active")
                gmsh.model.addPhysicalGroup(1, surface_curves, ids["surface"], name="surface")
                gmsh.model.addPhysicalGroup(1, axis_curves, ids["axis"], name="axis")
                if symmetry == "octant":
                    gmsh.model.addPhysicalGroup(1, [equator], ids["equator"], name="equator")
                mesh_options(gmsh, h)
                gmsh.model.mesh.generate(2)
            except Exception as exc:  # noqa: BLE001  (re-raised on every rank below)
                error = exc
        data = to_dolfinx(gmsh, comm, gdim=2, scale=radius, error=error)

    if symmetry == "octant":
        rollers = ((ids["axis"], 0), (ids["equator"], 1))
        pins = ()
    else:
        rollers = ((ids["axis"], 0),)
        pins = (((0.0, 0.0, 0.0), (1,)),)
    # the quarter disk revolves to the upper half ball: x2 for the mirror image
    return _sphere(data.mesh, data.cell_tags, data.facet_tags, "axisymmetric", ids, radius,
                   rollers, pins, body_factor=(4.0 if symmetry == "octant" else 2.0) * math.pi)


# --------------------------------------------------------------------------- 3-D ball
def _ball(radius: float, size: float, symmetry: str, comm: MPI.Comm) -> Domain:
    h = size / radius
    if symmetry == "octant":
        ids = {"surface": 1, "x0": 2, "y0": 3, "z0": 4}
    else:
        ids = {"surface": 1}
    with gmsh_model("swellfem_ball", comm) as gmsh:
        error = None
        if gmsh is not None:
            try:
                occ = gmsh.model.occ
                if symmetry == "octant":
                    vol = occ.addSphere(0.0, 0.0, 0.0, 1.0, angle1=0.0, angle2=math.pi / 2,
                                        angle3=math.pi / 2)
                else:
                    vol = occ.addSphere(0.0, 0.0, 0.0, 1.0)
                    pin_points = [occ.addPoint(0.0, 0.0, 0.0), occ.addPoint(0.5, 0.0, 0.0),
                                  occ.addPoint(0.0, 0.5, 0.0)]
                occ.synchronize()
                if symmetry == "full":
                    gmsh.model.mesh.embed(0, pin_points, 3, vol)
                faces = {name: [] for name in ids}
                for _, tag in gmsh.model.getBoundary([(3, vol)], oriented=False):
                    com = np.asarray(gmsh.model.occ.getCenterOfMass(2, tag))
                    if symmetry == "octant" and abs(com[0]) < 1e-6:
                        faces["x0"].append(tag)
                    elif symmetry == "octant" and abs(com[1]) < 1e-6:
                        faces["y0"].append(tag)
                    elif symmetry == "octant" and abs(com[2]) < 1e-6:
                        faces["z0"].append(tag)
                    else:
                        faces["surface"].append(tag)
                gmsh.model.addPhysicalGroup(3, [vol], 1, name="active")
                for name, tags in faces.items():
                    if not tags:
                        raise RuntimeError(f"no gmsh surface found for facet {name!r}")
                    gmsh.model.addPhysicalGroup(2, tags, ids[name], name=name)
                mesh_options(gmsh, h)
                gmsh.model.mesh.generate(3)
            except Exception as exc:  # noqa: BLE001  (re-raised on every rank below)
                error = exc
        data = to_dolfinx(gmsh, comm, gdim=3, scale=radius, error=error)

    if symmetry == "octant":
        rollers = ((ids["x0"], 0), (ids["y0"], 1), (ids["z0"], 2))
        pins = ()
        body_factor = 8.0
    else:
        rollers = ()
        pins = (
            ((0.0, 0.0, 0.0), (0, 1, 2)),
            ((0.5 * radius, 0.0, 0.0), (1, 2)),
            ((0.0, 0.5 * radius, 0.0), (2,)),
        )
        body_factor = 1.0
    return _sphere(data.mesh, data.cell_tags, data.facet_tags, "3d", ids, radius, rollers, pins,
                   body_factor)


def _sphere(mesh, cell_tags, facet_tags, dimension, ids, radius, rollers, pins,
            body_factor) -> Domain:
    """A sphere centred at the origin, wetted on its surface."""
    return Domain(mesh=mesh, cell_tags=cell_tags, facet_tags=facet_tags, dimension=dimension,
                  facet_ids=ids, wetted=(ids["surface"],), rollers=rollers, pins=pins,
                  length=radius, center=(0.0, 0.0, 0.0), body_factor=body_factor)
