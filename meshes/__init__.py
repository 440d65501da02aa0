"""Meshes of the simulated bodies (coordinates in SI metres).

>>> from meshes import build, Domain, quality
>>> domain = build(geometry, comm)   # geometry: a case's geometry model, by kind
"""

from __future__ import annotations

import importlib

import solver.mpi_env  # noqa: F401  (MPI of the wheel first)

from mpi4py import MPI

from .domain import Domain, quality

__all__ = ["BUILDERS", "Domain", "build", "quality"]

# geometry kind -> (module of meshes, builder function)
BUILDERS = {
    "sphere": ("sphere", "build_sphere"),
    "box": ("box", "build_box"),
    "ellipsoid": ("ellipsoid", "build_ellipsoid"),
    "wire": ("wire", "build_wire"),
    "core_shell": ("shells", "build_core_shell"),
    "yolk_shell": ("shells", "build_yolk_shell"),
    "film": ("film", "build_film"),
    "inverse_opal": ("inverse_opal", "build_inverse_opal"),
    "composite": ("composite", "build_composite"),
    "fibre_clusters": ("fibre_clusters", "build_fibre_clusters"),
    "file": ("from_file", "build_file"),
    "image": ("image", "build_image"),
}


def build(geometry, comm: MPI.Comm | None = None) -> Domain:
    """Mesh ``geometry`` (any kind of BUILDERS) on ``comm`` (default COMM_WORLD)."""
    comm = MPI.COMM_WORLD if comm is None else comm
    kind = str(getattr(geometry, "kind", ""))
    if kind not in BUILDERS:
        raise ValueError(f"unknown geometry kind {kind!r}; expected one of {', '.join(BUILDERS)}")
    module, function = BUILDERS[kind]
    if kind == "sphere" and getattr(geometry, "sei", None) is not None:
        module, function = "shells", "build_sei_particle"
    return getattr(importlib.import_module(f"meshes.{module}"), function)(geometry, comm)
