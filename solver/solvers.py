"""PETSc solver presets (DESIGN §6) and their set-up on a SNES.

* ``direct``: Newton + MUMPS LU (default below ~2·10^5 unknowns). The LU factors are kept for
  up to 20 Newton iterations (across time steps) and used to precondition GMRES on the current
  Jacobian: the Jacobian changes little between iterations and steps (the Δτ and the θ-dependent
  mobility), GMRES converges in a few iterations, and the costly factorisation is done rarely.
  A failed linear solve is retried with a fresh factorisation at every Newton iteration
  (``exact_newton``), and a failed step discards the factors (``refresh``);
* ``iterative``: Newton (inexact: GMRES to rtol 1e-6) preconditioned by a symmetric
  multiplicative field split over (u | θ | μ_x [| F_p | ε̄_p]): GAMG with the rigid-body
  near-nullspace and the displacement's block size on u (elasticity), GAMG on θ (a diffusion
  operator), Jacobi on μ_x (a mass matrix) and on the per-cell plastic unknowns. The symmetric
  sweep and the block size cut the Krylov iterations about sixfold against a plain
  multiplicative split with scalar GAMG (measured at 29k unknowns: 966 → 155).

The case's ``solver.petsc`` block and options after ``--`` on the command line are applied on
top (later ones win). Options are kept in PETSc's database under the problem's prefix, so the
field-split sub-solvers created at set-up see them too.
"""

import numpy as np
from dolfinx import la
from petsc4py import PETSc

DIRECT_LIMIT = 200_000
LU_LAG = 20  # Newton iterations between LU factorisations (direct preset)
FIELDS = ("u", "theta", "mu", "Fp", "ep")  # the blocks of the field split

NEWTON = {"snes_type": "newtonls", "snes_linesearch_type": "basic", "snes_stol": 0.0,
          "snes_divergence_tolerance": 1e8}
DIRECT = {"ksp_type": "gmres", "ksp_rtol": 1e-10, "ksp_atol": 1e-14, "ksp_max_it": 50,
          "pc_type": "lu", "pc_factor_mat_solver_type": "mumps",
          "snes_lag_preconditioner": LU_LAG, "snes_lag_preconditioner_persists": True}
ITERATIVE = {
    "ksp_type": "gmres", "ksp_gmres_restart": 200, "ksp_rtol": 1e-6, "ksp_atol": 1e-14,
    "ksp_max_it": 1000, "pc_type": "fieldsplit", "pc_fieldsplit_type": "symmetric_multiplicative",
    "fieldsplit_u_ksp_type": "preonly", "fieldsplit_u_pc_type": "gamg",
    "fieldsplit_theta_ksp_type": "preonly", "fieldsplit_theta_pc_type": "gamg",
    "fieldsplit_mu_ksp_type": "preonly", "fieldsplit_mu_pc_type": "jacobi",
    "fieldsplit_Fp_ksp_type": "preonly", "fieldsplit_Fp_pc_type": "jacobi",
    "fieldsplit_ep_ksp_type": "preonly", "fieldsplit_ep_pc_type": "jacobi",
}


def preset_name(solver_spec, W) -> str:
    """'direct' or 'iterative' for the case's ``solver.preset`` (``auto`` decides by size)."""
    if solver_spec.preset != "auto":
        return solver_spec.preset
    n = W.dofmap.index_map.size_global * W.dofmap.index_map_bs
    return "direct" if n < DIRECT_LIMIT else "iterative"


def petsc_options(solver_spec, preset: str, cli: dict) -> dict:
    options = dict(NEWTON, snes_rtol=solver_spec.newton.rtol, snes_atol=solver_spec.newton.atol,
                   snes_max_it=solver_spec.newton.max_it)
    options.update(DIRECT if preset == "direct" else ITERATIVE)
    options.update(solver_spec.petsc)
    options.update(cli)
    return options


def configure(snes, prefix: str, options: dict, W, preset: str,
              fields: dict[str, list[int]]) -> None:
    """Store ``options`` under ``prefix``, give the field split its index sets (one per entry of
    ``fields``: block name → sub-spaces of W), set up ``snes``."""
    db = PETSc.Options()
    absent = tuple(f"fieldsplit_{name}_" for name in FIELDS if name not in fields)
    for key, value in options.items():
        if key.startswith(absent):
            continue
        db[prefix + key] = value
    snes.setOptionsPrefix(prefix)
    if preset == "iterative":
        pc = snes.getKSP().getPC()
        pc.setType("fieldsplit")
        sets = [_index_set(W, subs) for subs in fields.values()]
        sets[0].setBlockSize(W.sub(fields["u"][0]).collapse()[0].dofmap.index_map_bs)
        sets[0].compose("nearnullspace", rigid_body_modes(W, fields["u"]))
        pc.setFieldSplitIS(*zip(fields, sets))
    snes.setFromOptions()


def collapsed_dofs(W, i: int):
    """Collapsed sub-space i of W and the W-local index of each of its (unrolled) dofs."""
    V, parent = W.sub(i).collapse()
    return V, np.asarray(parent, dtype=np.int64).reshape(-1)


def dofs_outside(V, cells: np.ndarray) -> np.ndarray:
    """Local dofs of the scalar space V (not a sub-space) that belong to no cell of ``cells``
    (local cell indices) on any rank."""
    touched = la.vector(V.dofmap.index_map, 1)
    touched.array[np.unique(V.dofmap.list[cells].reshape(-1))] = 1.0
    touched.scatter_reverse(la.InsertMode.add)
    touched.scatter_forward()
    return np.flatnonzero(touched.array == 0).astype(np.int32)


def refresh(snes, preset: str) -> None:
    """Discard lagged LU factors (after a failed step) so the next solve refactors."""
    if preset == "direct":
        snes.getKSP().getPC().reset()


class exact_newton:  # noqa: N801 (a context manager used like a function)
    """Within the block, refactor the preconditioner at every Newton iteration."""

    def __init__(self, snes):
        self.snes = snes

    def __enter__(self):
        self.snes.getKSP().getPC().reset()
        self._lag(1)

    def __exit__(self, *exc):
        self._lag(LU_LAG)

    def _lag(self, lag: int) -> None:  # petsc4py has no SNESSetLagPreconditioner
        PETSc.Options()[self.snes.getOptionsPrefix() + "snes_lag_preconditioner"] = lag
        self.snes.setFromOptions()


def _owned_parent_dofs(W, i: int) -> np.ndarray:
    """Local indices (in W) of the owned dofs of sub-space i, unrolled."""
    parent = collapsed_dofs(W, i)[1]
    n_owned = W.dofmap.index_map.size_local * W.dofmap.index_map_bs
    return parent[parent < n_owned]


def _index_set(W, subs: list[int]) -> PETSc.IS:
    imap = W.dofmap.index_map
    bs = W.dofmap.index_map_bs
    glob = np.concatenate([_owned_parent_dofs(W, i) for i in subs]) + imap.local_range[0] * bs
    return PETSc.IS().createGeneral(np.sort(glob).astype(PETSc.IntType), comm=imap.comm)


def rigid_body_modes(W, subs: list[int]) -> PETSc.NullSpace:
    """Translations and (in 2-D/3-D Cartesian) rotations of the displacement block (the
    sub-spaces ``subs``: u, and u₂ beyond a cohesive interface), in the field split's ordering
    (owned dofs by increasing index)."""
    n_owned = W.dofmap.index_map.size_local * W.dofmap.index_map_bs
    parents, points, components = [], [], []
    for i in subs:
        Vu, parent = collapsed_dofs(W, i)
        bs = Vu.dofmap.index_map_bs
        coords = Vu.tabulate_dof_coordinates()
        keep = parent < n_owned
        parents.append(parent[keep])
        points.append(coords[np.arange(len(parent))[keep] // bs])
        components.append(np.arange(len(parent))[keep] % bs)
    order = np.argsort(np.concatenate(parents))
    x, c = np.concatenate(points)[order], np.concatenate(components)[order]
    modes = [(c == k).astype(float) for k in range(bs)]
    gdim = W.mesh.geometry.dim
    if bs == 3 and gdim == 3:
        modes += [np.where(c == a, -x[:, b], 0) + np.where(c == b, x[:, a], 0)
                  for a, b in ((0, 1), (1, 2), (2, 0))]
    vecs = []
    for mode in modes:
        v = PETSc.Vec().createMPI((len(mode), PETSc.DETERMINE), comm=W.mesh.comm)
        v.setArray(mode)
        vecs.append(v)
    for i, v in enumerate(vecs):  # modified Gram–Schmidt: PETSc wants an orthonormal basis
        for w in vecs[:i]:
            v.axpy(-v.dot(w), w)
        v.normalize()
    return PETSc.NullSpace().create(vectors=vecs, comm=W.mesh.comm)
