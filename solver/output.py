"""The results directory (DESIGN §5), written by observers the time loop notifies.

Files a killed run leaves behind stay complete: CSV rows are appended and flushed per step,
whole files (case.yaml, run.json, checkpoint metadata) are written to a temporary name and
renamed. Only rank 0 touches CSV/JSON files; XDMF and checkpoints are collective.
"""

import csv
import json
import os
from pathlib import Path

import numpy as np
from dolfinx import fem, io
from petsc4py import PETSc

SUMMARY_COLUMNS = (
    "time_s", "step", "cycle", "increment", "current_A", "soc", "capacity_mAh_g", "voltage_V",
    "equilibrium_voltage_V", "overpotential_V",
    "volume_change_pct", "surface_hoop_max_Pa", "hydrostatic_max_Pa", "hydrostatic_min_Pa",
    "von_mises_max_Pa", "interface_von_mises_max_Pa", "interface_hydrostatic_max_Pa",
    "plastic_strain_max", "sei_hoop_max_Pa", "sei_cracked_area_fraction",
    "particle_damage_volume_fraction", "sei_thickness_mean_m", "inventory_lost_mol",
    "newton_iterations", "ksp_iterations", "dt_s",
)
CYCLE_COLUMNS = (
    "cycle", "insertion_capacity_mAh_g", "extraction_capacity_mAh_g", "coulombic_efficiency",
    "inventory_lost_mol", "sei_cracked_area_fraction", "particle_damage_volume_fraction",
)
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
            (self.dir / "checkpoint").mkdir(exist_ok=True)
            write_atomic(self.dir / "case.yaml", case_text)
        self.comm.barrier()
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
        """Last accepted state: the solution vector (PETSc HDF5, parallel) and where it was."""
        path = self.dir / "checkpoint"
        viewer = PETSc.Viewer().createHDF5(str(path / "state.h5"), "w", comm=self.comm)
        vec = self.model.w_n.x.petsc_vec
        vec.setName("state")
        vec.view(viewer)
        viewer.destroy()
        if self.root:
            write_atomic(path / "state.json", json.dumps(
                dict(state, ranks=self.comm.size, dofs=self.model.num_dofs), indent=2))

    def write_record(self, record: dict) -> None:
        if self.root:
            write_atomic(self.dir / "run.json", json.dumps(record, indent=2, default=str))

    def close(self) -> None:
        self._xdmf.close()
        for log in (self.summary, self.cycles, *self.profiles.values()):
            log.close()


def read_checkpoint(directory: Path, vec, ranks: int) -> dict:
    """Load a checkpoint written by ``Outputs.write_checkpoint`` into ``vec`` and return its
    metadata. The layout must be the one it was written with (same mesh, same number of
    ranks); otherwise a CaseError says so."""
    from solver.case import CaseError
    try:
        state = json.loads((directory / "state.json").read_text())
    except (OSError, ValueError) as err:
        raise CaseError(f"no readable checkpoint in {directory}: {err}") from None
    if (state["ranks"], state["dofs"]) != (ranks, vec.getSize()):
        raise CaseError(
            f"checkpoint {directory} holds {state['dofs']} unknowns on {state['ranks']} rank(s); "
            f"this run has {vec.getSize()} on {ranks}: restart with the same mesh and number of "
            "ranks")
    viewer = PETSc.Viewer().createHDF5(str(directory / "state.h5"), "r", comm=vec.getComm())
    loaded = vec.duplicate()  # VecLoad swaps the storage: load aside, then copy into vec's own
    loaded.setName("state")
    loaded.load(viewer)
    viewer.destroy()
    vec.array[:] = loaded.array
    loaded.destroy()
    return state
