"""Nanowire meshes: a cylinder of radius R along z, 0 ≤ z ≤ L, role ``active`` (cell tag 1).

Facets: end 1 (the face z = 0), side 2 (the lateral surface r = R), contact 3 (the face
z = L, clamped: held by the other contact), and in the axisymmetric (r, z) rectangle
[0, R] × [0, L] axis 4 (r = 0, roller in r).  The species enter through ``end`` (inlet: end)
or ``side`` (inlet: side).  The clamped contact removes the rigid modes: no pins.

``length`` = max(L, R), the largest extent of the body; ``center`` = (0, 0, L/2), the centre of
the axis; ``body_factor`` 2π (axisymmetric) or 1 (the full 3-D cylinder).  Default element
size R/5.
"""

from __future__ import annotations

import math

import solver.mpi_env  # noqa: F401  (MPI of the wheel first)

from mpi4py import MPI

from .domain import Domain, mesh_size
from .ellipsoid import add_named_boundary, generate, plane_name

INLETS = ("end", "side")


def build_wire(geometry, comm: MPI.Comm) -> Domain:
    radius, length = float(geometry.radius), float(geometry.length)
    if not (radius > 0.0 and length > 0.0):
        raise ValueError(f"wire radius and length must be positive, got {radius}, {length}")
    inlet = str(getattr(geometry, "inlet", "end"))
    if inlet not in INLETS:
        raise ValueError(f"wire inlet must be one of {INLETS}, got {inlet!r}")
    dimension = str(getattr(geometry, "dimension", "axisymmetric"))
    if dimension not in ("axisymmetric", "3d"):
        raise ValueError(f"wire dimension must be axisymmetric or 3d, got {dimension!r}")
    size = mesh_size(geometry, radius / 5.0)
    scale = max(length, radius)
    r, z = radius / scale, length / scale
    ids = {"end": 1, "side": 2, "contact": 3}
    if dimension == "axisymmetric":
        ids["axis"] = 4
        planes = {"axis": (0, 0.0), "side": (0, r), "end": (1, 0.0), "contact": (1, z)}
    else:
        planes = {"end": (2, 0.0), "contact": (2, z)}

    def draw(gmsh):
        occ = gmsh.model.occ
        if dimension == "axisymmetric":
            entity = (2, occ.addRectangle(0.0, 0.0, 0.0, r, z))
        else:
            entity = (3, occ.addCylinder(0.0, 0.0, 0.0, 0.0, 0.0, z, r))
        occ.synchronize()
        gmsh.model.addPhysicalGroup(entity[0], [entity[1]], 1, name="active")
        add_named_boundary(gmsh, [entity], ids,
                           lambda tag: plane_name(gmsh, entity[0] - 1, tag, planes) or "side")

    gdim = 2 if dimension == "axisymmetric" else 3
    data = generate(f"swellfem_wire_{dimension}", comm, gdim, scale, size / scale, draw)
    axisymmetric = dimension == "axisymmetric"
    return Domain(mesh=data.mesh, cell_tags=data.cell_tags, facet_tags=data.facet_tags,
                  dimension=dimension, facet_ids=ids, wetted=(ids[inlet],),
                  rollers=((ids["axis"], 0),) if axisymmetric else (),
                  clamped=(ids["contact"],), length=scale, center=(0.0, 0.0, 0.5 * length),
                  body_factor=2.0 * math.pi if axisymmetric else 1.0)
