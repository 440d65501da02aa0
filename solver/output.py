"""The results directory (DESIGN §5), written by observers the time loop notifies.

Files a killed run leaves behind stay complete: CSV rows are appended and flushed per step,
whole files (case.yaml, run.json, checkpoint metadata) are written to a temporary name and
renamed. Only rank 0 touches CSV/JSON files; XDMF and checkpoints are collective.

A checkpoint holds the state Functions in a rank-independent order (:mod:`solver.key_order`),
so a restart may run on another number of ranks. Every checkpoint goes to a new HDF5 file;
``state.json``, written through a rename, names it (the commit), and only then is the previous
file removed: a kill at any moment leaves a readable checkpoint.
"""

import csv
import json
import os
from pathlib import Path

import numpy as np
from dolfinx import fem, io
from petsc4py import PETSc

from solver.case import CaseError
from solver.key_order import KeyOrder
from solver.sei import POINT_STATE

SUMMARY_COLUMNS = (
    "time_s", "step", "cycle", "increment", "current_A", "soc", "capacity_mAh_g", "voltage_V",
    "equilibrium_voltage_V", "overpotential_V",
    "volume_change_pct", "surface_hoop_max_Pa", "hydrostatic_max_Pa", "hydrostatic_min_Pa",
    "von_mises_max_Pa", "interface_von_mises_max_Pa", "interface_hydrostatic_max_Pa",
    "plastic_strain_max", "sei_hoop_max_Pa", "sei_cracked_area_fraction",
    "particle_damage_volume_fraction", "interface_delaminated_area_fraction",
    "sei_thickness_mean_m", "sei_thickness_min_m", "sei_thickness_max_m", "inventory_lost_mol",
    "newton_iterations", "ksp_iterations", "dt_s",
)
CYCLE_COLUMNS = (
    "cycle", "insertion_capacity_mAh_g", "extraction_capacity_mAh_g", "coulombic_efficiency",
    "inventory_lost_mol", "sei_cracked_area_fraction", "particle_damage_volume_fraction",
    "interface_delaminated_area_fraction",
)
CHECKPOINT_FORMAT = 3  # fields in key order (1: in the writing run's dof order; 2: no SEI points)
RESULT_NAMES = ("case.yaml", "run.json", "summary.csv", "cycles.csv", "fields.xdmf", "fields.h5",
                "profiles", "checkpoint", "plots")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _cell(value) -> str:
    """CSV cell: empty for quantities that do not apply (None or NaN)."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return ""
    return repr(float(value)) if isinstance(value, (float, np.floating)) else str(value)


class CsvLog:
    """An append-only CSV file with a fixed header, flushed after every row (rank 0 only)."""

    def __init__(self, path: Path, columns, active: bool):
        self.columns, self._file = tuple(columns), None
        if active:
            self._file = open(path, "w", newline="")
            self._writer = csv.writer(self._file)
            self._writer.writerow(self.columns)
            self._file.flush()

    def append(self, row: dict) -> None:
        if self._file is not None:
            self._writer.writerow([_cell(row.get(c)) for c in self.columns])
            self._file.flush()

    def append_rows(self, rows) -> None:
        if self._file is not None:
            self._writer.writerows([[_cell(v) for v in r] for r in rows])
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


class Outputs:
    """All writers of one run. ``out_dir`` must already have passed the CLI's safety checks."""

    def __init__(self, out_dir, case_text: str, model, observables, field_names, probes):
        self.dir = Path(out_dir)
        self.model, self.obs = model, observables
        self.comm = model.mesh.comm
        self.root = self.comm.rank == 0
        if self.root:
            (self.dir / "profiles").mkdir(parents=True, exist_ok=True)
            write_atomic(self.dir / "case.yaml", case_text)
        self.comm.barrier()
        self.checkpoints = Checkpoints(self.dir / "checkpoint", state_functions(model), self.comm)
        self.summary = CsvLog(self.dir / "summary.csv", SUMMARY_COLUMNS, self.root)
        self.cycles = CsvLog(self.dir / "cycles.csv", CYCLE_COLUMNS, self.root)
        self.probes = probes
        self.profiles = {p.name: CsvLog(self.dir / "profiles" / f"{p.name}.csv",
                                        ("time_s", "point") + p.columns, self.root)
                         for p in probes}
        self._fields = self._field_functions(field_names)
        self._xdmf = io.XDMFFile(self.comm, str(self.dir / "fields.xdmf"), "w")
        mesh, L = model.mesh, model.scales.length
        mesh.geometry.x[:] *= L  # ParaView sees the body in metres
        self._xdmf.write_mesh(mesh)
        mesh.geometry.x[:] /= L

    def _field_functions(self, names) -> list:
        """P1 output fields (SI) with the expressions that fill them."""
        m, model, S = self.model.mesh, self.model, self.model.scales
        ufl_fields = self.obs.ufl_fields
        sources = {
            "concentration": (model.concentration, ()),
            "displacement": (model.u * S.length,
                             () if model.dimension == "radial" else (m.geometry.dim,)),
            "von_mises": (ufl_fields["von_mises"], ()),
            "hydrostatic": (ufl_fields["sigma_h"], ()),
            "hoop": (ufl_fields["sigma_tt"], ()),
            "plastic_strain": (model.plastic_strain, ()),
            "J": (model.dilatation + 1 if model.finite else None, ()),
            "J_c": (model.swelling_jacobian if model.finite else None, ()),
            "damage": (None if model.phase_field is None else model.phase_field.d, ()),
            "sei_thickness": (None if model.sei_state is None else
                              model.sei_state[POINT_STATE.index("thickness")], ()),
        }
        out = []
        for name in names:
            if sources[name][0] is None:  # not defined for this case's kinematics
                continue
            expr, shape = sources[name]
            V = fem.functionspace(m, ("Lagrange", 1, shape))
            out.append((fem.Function(V, name=name),
                        fem.Expression(expr, V.element.interpolation_points)))
        return out

    # -- observers --------------------------------------------------------------------------------
    def record_step(self, row: dict) -> None:
        self.summary.append(row)

    def record_cycle(self, row: dict) -> None:
        self.cycles.append(row)

    def write_fields(self, t: float) -> None:
        for f, expr in self._fields:
            f.interpolate(expr)
            self._xdmf.write_function(f, t)

    def write_probes(self, t: float) -> None:
        for probe in self.probes:
            rows = probe.sample()
            if rows is not None:
                lead = np.column_stack([np.full(len(rows), t), np.arange(len(rows))])
                self.profiles[probe.name].append_rows(
                    [[float(a[0]), int(a[1])] + [float(v) for v in r] for a, r in zip(lead, rows)])

    def write_checkpoint(self, state: dict) -> None:
        self.checkpoints.write(state)

    def write_record(self, record: dict) -> None:
        if self.root:
            write_atomic(self.dir / "run.json", json.dumps(record, indent=2, default=str))

    def close(self) -> None:
        self._xdmf.close()
        for log in (self.summary, self.cycles, *self.profiles.values()):
            log.close()


def state_functions(model) -> dict:
    """The Functions a restart needs: the accepted state and, for BDF2, the one before it."""
    functions = {"w_n": model.w_n, "w_nm1": model.w_nm1}
    if model.phase_field is not None:  # accepted damage and its history
        functions.update(damage=model.phase_field.d_n, history=model.phase_field.H)
    if model.detached:  # the largest opening of the cohesive interfaces so far
        functions["opening"] = model.opening_max
    if model.sei_state is not None:  # the SEI at each surface point
        functions["sei"] = model.sei_state
    return functions


def _key_orders(functions: dict) -> dict:
    """A KeyOrder per function name, built once per function space."""
    by_space = {}
    for f in functions.values():
        by_space.setdefault(id(f.function_space), f.function_space)
    orders = {k: KeyOrder(V) for k, V in by_space.items()}
    return {name: orders[id(f.function_space)] for name, f in functions.items()}


def _mesh_size(functions: dict) -> dict:
    """What a restart must find unchanged: the global numbers of cells and of each field's dofs."""
    f = next(iter(functions.values()))
    mesh = f.function_space.mesh
    cells = mesh.topology.index_map(mesh.topology.dim).size_global
    return {"cells": cells, "dofs": {name: g.function_space.dofmap.index_map.size_global
                                     * g.function_space.dofmap.index_map_bs
                                     for name, g in functions.items()}}


class Checkpoints:
    """The ``checkpoint/`` directory of a run: the state functions and the loop's position.
    Collective; rank 0 writes ``state.json``. A reused directory loses its old checkpoint."""

    def __init__(self, directory: Path, functions: dict, comm):
        self.dir, self.functions, self.comm = Path(directory), functions, comm
        self._orders, self._written = None, 0  # key orders are built at the first checkpoint
        if comm.rank == 0:
            self.dir.mkdir(exist_ok=True)
            for old in self.dir.glob("state*"):
                old.unlink()
        comm.barrier()

    def write(self, state: dict) -> None:
        """Write the functions to a new HDF5 file, then commit ``state`` with its name."""
        if self._orders is None:
            self._orders = _key_orders(self.functions)
        self._written += 1
        name = f"state-{self._written}.h5"
        viewer = PETSc.Viewer().createHDF5(str(self.dir / name), "w", comm=self.comm)
        for key, f in self.functions.items():
            vec = self._orders[key].gather(f)
            vec.setName(key)
            vec.view(viewer)
        viewer.destroy()
        self.comm.barrier()  # the file is complete on every rank's view before the commit
        if self.comm.rank == 0:
            write_atomic(self.dir / "state.json", json.dumps(
                dict(state, format=CHECKPOINT_FORMAT, file=name, ranks=self.comm.size,
                     **_mesh_size(self.functions)), indent=2))
            for old in self.dir.glob("state-*.h5"):
                if old.name != name:
                    old.unlink()


def read_checkpoint(directory: Path, functions: dict) -> dict:
    """Load the checkpoint in ``directory`` into ``functions`` (same mesh, any number of ranks)
    and return the loop's position it holds; a CaseError says what does not match."""
    try:
        state = json.loads((Path(directory) / "state.json").read_text())
    except (OSError, ValueError) as err:
        raise CaseError(f"no readable checkpoint in {directory}: {err}") from None
    if state.get("format") != CHECKPOINT_FORMAT:
        raise CaseError(f"checkpoint {directory} was written by an older swellfem (format "
                        f"{state.get('format', 1)}, this one reads {CHECKPOINT_FORMAT}); it "
                        "cannot be restarted by this version")
    _check_same_mesh(directory, state, _mesh_size(functions))
    fields = Path(directory) / state["file"]
    if not fields.is_file():
        raise CaseError(f"checkpoint {directory} names {fields.name}, which is missing")
    orders = _key_orders(functions)
    comm = next(iter(functions.values())).function_space.mesh.comm
    viewer = PETSc.Viewer().createHDF5(str(fields), "r", comm=comm)
    for key, f in functions.items():
        orders[key].vector.setName(key)
        orders[key].vector.load(viewer)
        orders[key].spread(f)
    viewer.destroy()
    return state


def _check_same_mesh(directory, state: dict, here: dict) -> None:
    """CaseError naming every count that differs between the checkpoint and this run."""
    differences = [f"{state['cells']} cells there, {here['cells']} here"] \
        if state["cells"] != here["cells"] else []
    differences += [f"{state['dofs'].get(name)} unknowns in {name} there, {n} here"
                    for name, n in here["dofs"].items() if state["dofs"].get(name) != n]
    if differences:
        raise CaseError(
            f"checkpoint {directory} is for another mesh or set of unknowns "
            f"({'; '.join(differences)}): restart with the same geometry, mesh size and order, "
            "and the same physics unknowns (e.g. plasticity); the number of ranks may differ")
