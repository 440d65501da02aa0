"""gmsh on rank 0 of a communicator, and the hand-over of its mesh to dolfinx.

Builders generate in gmsh on rank 0 (usually for a unit-sized body, scaling the coordinates
afterwards so that gmsh's absolute tolerances never meet nanometre sizes) and distribute with
``to_dolfinx``; the result is the same for any number of ranks.
"""

from __future__ import annotations

from contextlib import contextmanager

import solver.mpi_env  # noqa: F401  (MPI of the wheel first)

import dolfinx
from mpi4py import MPI


@contextmanager
def gmsh_model(name: str, comm: MPI.Comm):
    """Yield the gmsh module on rank 0 (None elsewhere) with a fresh current model."""
    if comm.rank != 0:
        yield None
        return
    import gmsh

    started = False
    if not gmsh.isInitialized():
        try:
            gmsh.initialize(interruptible=False)
        except TypeError:  # older API without the keyword
            gmsh.initialize()
        started = True
    gmsh.option.setNumber("General.Terminal", 0)
    gmsh.model.add(name)
    gmsh.model.setCurrent(name)
    try:
        yield gmsh
    finally:
        try:
            gmsh.model.setCurrent(name)
            gmsh.model.remove()
        finally:
            if started:
                gmsh.finalize()


def mesh_options(gmsh, size: float) -> None:
    gmsh.option.setNumber("General.NumThreads", 1)  # deterministic
    gmsh.option.setNumber("Mesh.MeshSizeMax", size)
    gmsh.option.setNumber("Mesh.MeshSizeMin", 0.5 * size)
    gmsh.option.setNumber("Mesh.MeshSizeFromPoints", 1)
    gmsh.option.setNumber("Mesh.MeshSizeExtendFromBoundary", 1)
    gmsh.option.setNumber("Mesh.MeshSizeFromCurvature", 0)
    gmsh.option.setNumber("Mesh.ElementOrder", 1)
    gmsh.option.setNumber("Mesh.RandomSeed", 1)
    # every geometry point (including the embedded pins) carries the target size; without this
    # embedded volume points coarsen the whole 3-D mesh
    gmsh.model.mesh.setSize(gmsh.model.getEntities(0), size)


def to_dolfinx(gmsh, comm: MPI.Comm, gdim: int, scale: float, error: Exception | None = None):
    """Distribute the rank-0 gmsh mesh; a generation error on rank 0 is raised on all ranks."""
    message = comm.bcast(None if error is None else f"{type(error).__name__}: {error}", root=0)
    if message is not None:
        if error is not None:
            raise error
        raise RuntimeError(f"gmsh mesh generation failed on rank 0: {message}")
    model = gmsh.model if gmsh is not None else None
    data = dolfinx.io.gmsh.model_to_mesh(model, comm, 0, gdim=gdim,
                                         partitioner=ghosted_partitioner(comm))
    data.mesh.geometry.x[:] *= scale
    if data.cell_tags is None or data.facet_tags is None:
        raise RuntimeError("gmsh model lacks cell or facet physical groups")
    return data


def ghosted_partitioner(comm: MPI.Comm):
    """Cell partitioner with shared-facet ghosts (both cells of every owned facet are local),
    so that interior-facet integrals over interfaces work between ranks (None in serial)."""
    if comm.size == 1:
        return None
    return dolfinx.mesh.create_cell_partitioner(dolfinx.mesh.GhostMode.shared_facet, 2)
