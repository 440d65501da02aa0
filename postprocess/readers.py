"""Read a results directory (DESIGN §5) without dolfinx: CSV histories, probe profiles, the
run record and the resolved case."""

import csv
import json
from pathlib import Path

import numpy as np
import yaml


class ResultsError(Exception):
    """A results directory that lacks what is asked of it (the message says what)."""


def require(results_dir, *names: str) -> Path:
    """``results_dir`` as a Path; ResultsError unless it is a directory holding ``names``."""
    folder = Path(results_dir)
    if not folder.is_dir():
        raise ResultsError(f"results directory {folder} does not exist")
    missing = [n for n in names if not (folder / n).exists()]
    if missing:
        raise ResultsError(f"{folder} has no {', '.join(missing)}: it is not the results "
                           "directory of a swellfem run (or the run wrote nothing yet)")
    return folder


def read_csv(path) -> dict[str, np.ndarray]:
    """Columns of a CSV file as float arrays; empty cells become NaN."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    return {name: np.array([float(r[i]) if r[i] != "" else np.nan for r in body])
            for i, name in enumerate(header)}


def summary(results_dir) -> dict[str, np.ndarray]:
    return read_csv(Path(results_dir) / "summary.csv")


def cycles(results_dir) -> dict[str, np.ndarray]:
    return read_csv(Path(results_dir) / "cycles.csv")


def run_record(results_dir) -> dict:
    return json.loads((Path(results_dir) / "run.json").read_text())


def case(results_dir) -> dict:
    """The resolved case the run saved (case.yaml, SI units) as plain data."""
    return yaml.safe_load((Path(results_dir) / "case.yaml").read_text())


def profiles(results_dir) -> dict[str, dict[str, np.ndarray]]:
    """Every probe of the run: name → columns (long format: one row per time and point)."""
    folder = Path(results_dir) / "profiles"
    return {p.stem: read_csv(p) for p in sorted(folder.glob("*.csv"))}


def profile_at(profile: dict, time_s: float) -> dict[str, np.ndarray]:
    """The rows of a probe at the output time closest to ``time_s``."""
    times = np.unique(profile["time_s"])
    t = times[np.argmin(np.abs(times - time_s))]
    mask = profile["time_s"] == t
    return {k: v[mask] for k, v in profile.items()}
