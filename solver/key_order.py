"""A rank-independent order of the dofs of a function space, for checkpoints (DESIGN §1).

Each dof is named by a key, original cell index × dofs per cell + position in the cell, the
smallest over the cells around it: the same builder and case give the same input cells on any
number of ranks, and every cell the same dof layout (P1, P2 and DG0 place at most one dof on an
entity, so no dof permutation enters). :class:`KeyOrder` scatters a Function to and from a
PETSc vector of its values in increasing key order, which PETSc's parallel HDF5 viewer writes
and reads on any number of ranks.
"""

import numpy as np
from dolfinx.la.petsc import create_vector
from mpi4py import MPI
from petsc4py import PETSc


def _smallest_keys(V) -> np.ndarray:
    """The key of every owned dof of V (unrolled), the smallest over all cells around it."""
    bs, imap = V.dofmap.index_map_bs, V.dofmap.index_map
    cells = V.dofmap.list  # local cells (owned and ghost) × dof blocks
    per_cell = cells.shape[1] * bs
    original = np.asarray(V.mesh.topology.original_cell_index, dtype=np.int64)[:len(cells)]
    keys = original[:, None] * per_cell + np.arange(per_cell)
    dofs = (cells[:, :, None].astype(np.int64) * bs + np.arange(bs)).reshape(len(cells), -1)
    smallest = np.full((imap.size_local + imap.num_ghosts) * bs, np.iinfo(np.int64).max)
    np.minimum.at(smallest, dofs.ravel(), keys.ravel())
    # a rank sees only its own and ghost cells: the owner takes the smallest key any rank has
    # (exact in doubles below 2^53)
    shared = create_vector([(imap, bs)])
    with shared.localForm() as local:
        local.array[:] = -smallest.astype(float)
    shared.ghostUpdate(addv=PETSc.InsertMode.MAX_VALUES, mode=PETSc.ScatterMode.REVERSE)
    owned = -shared.getArray().astype(np.int64)
    shared.destroy()
    return owned


def _positions(keys: np.ndarray, comm) -> np.ndarray:
    """Position of each key (distinct over all ranks) in the sorted keys of all ranks: a
    parallel bucket sort over the key range, in 64-bit integers."""
    top = comm.allreduce(int(keys.max(initial=-1)), op=MPI.MAX) + 1
    bucket = keys * comm.size // max(top, 1)
    order = np.argsort(bucket, kind="stable")
    sent = np.bincount(bucket, minlength=comm.size)
    received = np.asarray(comm.alltoall(sent.tolist()))
    bucket_keys = np.empty(received.sum(), dtype=np.int64)
    comm.Alltoallv([keys[order], sent], [bucket_keys, received])
    rank_in_bucket = np.empty(len(bucket_keys), dtype=np.int64)
    rank_in_bucket[np.argsort(bucket_keys)] = np.arange(len(bucket_keys))
    rank_in_bucket += comm.exscan(len(bucket_keys)) or 0
    back = np.empty(len(keys), dtype=np.int64)
    comm.Alltoallv([rank_in_bucket, received], [back, sent])
    positions = np.empty_like(back)
    positions[order] = back
    return positions


class KeyOrder:
    """Scatter between the dofs of a function space and a vector of them in key order."""

    def __init__(self, V):
        comm = V.mesh.comm
        imap, bs = V.dofmap.index_map, V.dofmap.index_map_bs
        owned = imap.size_local * bs
        positions = _positions(_smallest_keys(V), comm)
        self.vector = PETSc.Vec().createMPI((PETSc.DECIDE, imap.size_global * bs), comm=comm)
        template = create_vector([(imap, bs)])
        dofs = PETSc.IS().createStride(owned, first=imap.local_range[0] * bs, step=1, comm=comm)
        self._scatter = PETSc.Scatter().create(
            template, dofs, self.vector,
            PETSc.IS().createGeneral(positions.astype(PETSc.IntType), comm=comm))
        template.destroy()

    def gather(self, f) -> PETSc.Vec:
        """``vector`` filled with the values of ``f`` in key order."""
        self._scatter.scatter(f.x.petsc_vec, self.vector, PETSc.InsertMode.INSERT_VALUES,
                              PETSc.ScatterMode.FORWARD)
        return self.vector

    def spread(self, f) -> None:
        """Set ``f`` (owned and ghost values) from ``vector``."""
        self._scatter.scatter(self.vector, f.x.petsc_vec, PETSc.InsertMode.INSERT_VALUES,
                              PETSc.ScatterMode.REVERSE)
        f.x.scatter_forward()
