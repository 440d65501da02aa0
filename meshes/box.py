"""Rectangular box [0, Lx] x [0, Ly] x [0, Lz] of tetrahedra with faces x0, x1, y0, y1, z0, z1."""

from __future__ import annotations

import math

import solver.mpi_env  # noqa: F401  (MPI of the wheel first)

import dolfinx
import numpy as np
from mpi4py import MPI

from .domain import Domain, mesh_size, tag_all_cells, tag_facets

FACES = ("x0", "x1", "y0", "y1", "z0", "z1")
FACE_IDS = {name: i + 1 for i, name in enumerate(FACES)}
FACE_AXIS = {name: "xyz".index(name[0]) for name in FACES}


def build_box(geometry, comm: MPI.Comm) -> Domain:
    lengths = tuple(float(v) for v in geometry.size)
    if len(lengths) != 3 or min(lengths) <= 0.0:
        raise ValueError(f"box size must be three positive lengths, got {geometry.size}")
    size = mesh_size(geometry, max(lengths) / 8.0)
    n = [max(1, math.ceil(L / size - 1e-9)) for L in lengths]
    mesh = dolfinx.mesh.create_box(
        comm, [np.zeros(3), np.asarray(lengths)], n, cell_type=dolfinx.mesh.CellType.tetrahedron
    )

    def plane(axis: int, value: float):
        tol = 1e-9 * lengths[axis]
        return lambda x: np.isclose(x[axis], value, rtol=0.0, atol=tol)

    markers = {}
    for name in FACES:
        axis = FACE_AXIS[name]
        markers[FACE_IDS[name]] = plane(axis, 0.0 if name[1] == "0" else lengths[axis])
    facet_tags = tag_facets(mesh, markers)

    def faces(names, what):
        names = [str(n) for n in (names or ())]
        bad = [n for n in names if n not in FACE_IDS]
        if bad:
            raise ValueError(f"unknown box {what} face(s) {bad}; expected among {FACES}")
        return names

    rollers = tuple((FACE_IDS[n], FACE_AXIS[n]) for n in faces(getattr(geometry, "rollers", ()), "roller"))
    wetted = tuple(FACE_IDS[n] for n in faces(getattr(geometry, "wetted", ()), "wetted"))
    return Domain(
        mesh=mesh,
        cell_tags=tag_all_cells(mesh),
        facet_tags=facet_tags,
        dimension="3d",
        facet_ids=dict(FACE_IDS),
        wetted=wetted,
        rollers=rollers,
        pins=(),
        length=max(lengths),
        center=tuple(0.5 * L for L in lengths),
        body_factor=1.0,
    )
