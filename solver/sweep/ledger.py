"""The study directory: the state of every case, read from its results directory, and
study.csv, one row per case with its status, parameter values (SI), metrics and wall time."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

import numpy as np

from postprocess import readers
from solver.case import CaseError, dump_case
from solver.sweep.study import Study

METRICS = {  # study.csv column: what it is
    "peak_hoop_Pa": "peak |surface hoop stress|",
    "max_von_mises_Pa": "max von Mises stress",
    "max_hydrostatic_Pa": "max hydrostatic stress",
    "final_volume_change_pct": "final volume change",
    "max_sei_cracked_fraction": "max SEI cracked area fraction",
    "sei_fracture_onset_soc": "SOC when the SEI first cracks",
    "ice": "initial coulombic efficiency",
    "final_ce": "coulombic efficiency, last cycle",
}
STUDY_ENTRIES = ("cases", "plots", "study.csv", "sweep.slurm", "slurm")  # all a study writes


def case_metrics(results_dir: Path) -> dict[str, float | None]:
    """Scalars of a finished case from summary.csv and cycles.csv; None where a column is
    absent or empty. The coulombic efficiencies count cycles that extracted."""
    s = readers.summary(results_dir)
    c = readers.cycles(results_dir) if (results_dir / "cycles.csv").is_file() else {}
    cycled = c.get("extraction_capacity_mAh_g", np.array([])) > 0
    ce = c.get("coulombic_efficiency", np.array([]))[cycled]

    def column(name: str) -> np.ndarray:
        values = s.get(name, np.array([]))
        return values[np.isfinite(values)]

    def peak(values: np.ndarray) -> float | None:
        return float(np.max(values)) if values.size else None

    volume = column("volume_change_pct")
    cracked = s.get("sei_cracked_area_fraction", np.array([]))
    onset = np.flatnonzero(np.nan_to_num(cracked) > 0)
    return {"peak_hoop_Pa": peak(np.abs(column("surface_hoop_max_Pa"))),
            "max_von_mises_Pa": peak(column("von_mises_max_Pa")),
            "max_hydrostatic_Pa": peak(column("hydrostatic_max_Pa")),
            "final_volume_change_pct": float(volume[-1]) if volume.size else None,
            "max_sei_cracked_fraction": peak(column("sei_cracked_area_fraction")),
            "sei_fracture_onset_soc": float(s["soc"][onset[0]]) if onset.size else None,
            "ice": float(ce[0]) if ce.size else None,
            "final_ce": float(ce[-1]) if ce.size else None}


class Ledger:
    """Status, error, wall time and metrics of every case, read from the results directories
    (rank 0). A case is pending unless its run.json says completed or failed for the case the
    study makes now (its case.yaml); study.csv is written atomically."""

    def __init__(self, study: Study):
        self.study = study
        self.rows = [self._row(i) for i in range(len(study.cases))]

    def refresh(self, index: int) -> None:
        self.rows[index] = self._row(index)

    def todo(self, rerun_failed: bool, only: int | None = None) -> list[int]:
        wanted = ("pending", "failed") if rerun_failed else ("pending",)
        indices = range(len(self.rows)) if only is None else [only]
        return [i for i in indices if self.rows[i]["status"] in wanted]

    def counts(self, only: int | None = None) -> dict[str, int]:
        """Cases per status (of case ``only`` alone when given)."""
        rows = self.rows if only is None else [self.rows[only]]
        return {s: sum(r["status"] == s for r in rows) for s in ("completed", "failed", "pending")}

    def write(self) -> Path:
        columns = ("index", "key", "status", *self.study.parameters, *METRICS, "wall_time_s",
                   "error")
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_cell(r.get(c)) for c in columns] for r in self.rows])
        path = self.study.folder / "study.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")  # write, then rename: never half a file
        tmp.write_text(text.getvalue())
        os.replace(tmp, path)
        return path

    def _row(self, index: int) -> dict[str, Any]:
        case, folder = self.study.cases[index], self.study.case_dir(index)
        row = {"index": index, "key": case.key, "status": "pending", **case.values}
        try:
            record = readers.run_record(folder)
            current = (folder / "case.yaml").read_text() == dump_case(case.case)
        except (OSError, ValueError):
            return row
        if not current or record.get("status") not in ("completed", "failed"):
            return row
        row.update(status=record["status"], error=record.get("error"),
                   wall_time_s=record.get("wall_time_s", {}).get("total"))
        if record["status"] == "completed":
            row.update(case_metrics(folder))
        return row


def _cell(value: Any) -> str:
    if value is None or isinstance(value, float) and not np.isfinite(value):
        return ""
    return repr(float(value)) if isinstance(value, (float, np.floating)) else str(value)


def check_folder(study: Study, world) -> None:
    """CaseError on every rank unless the study directory is absent or holds only what a
    study writes."""
    message = None
    folder = study.folder
    if world.rank == 0:
        if folder.exists() and not folder.is_dir():
            message = f"the study directory {folder} is a file; choose another output.dir"
        elif folder.is_dir():
            foreign = sorted(p.name for p in folder.iterdir()
                             if not p.name.startswith(STUDY_ENTRIES))
            if foreign:
                message = (f"refusing to write the study into {folder}: it holds files swellfem "
                           f"sweep did not write ({', '.join(foreign)}); choose another "
                           "output.dir or remove them")
    message = world.bcast(message, root=0)
    if message:
        raise CaseError(message)
