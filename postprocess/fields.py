"""The fields of a results directory (fields.xdmf + fields.h5, written by dolfinx) without
dolfinx: the mesh, the output times of each field and its values there, in SI.

fields.xdmf names, for every field, the HDF5 dataset of each output time; it is read with
xml.etree and the arrays with h5py. Fields are P1 values at the mesh's points (vectors of 2-D
meshes padded to three components by the writer; the radial displacement is a scalar, u_r).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from postprocess import readers
from postprocess.readers import ResultsError

CELL_TYPES = {"PolyLine": "interval", "Triangle": "triangle", "Tetrahedron": "tetrahedron"}


@dataclass
class FieldFile:
    """The mesh (points in m, cells as point indices) and, per field, its output times (s)
    with the HDF5 dataset of each."""

    xdmf: Path
    points: np.ndarray  # (points, geometric dimension of the file: 2 or 3)
    cells: np.ndarray  # (cells, points per cell)
    cell_type: str  # interval, triangle or tetrahedron
    datasets: dict[str, list[tuple[float, str]]]  # name → [(time, "file.h5:/path"), ...]

    @classmethod
    def open(cls, results_dir) -> FieldFile:
        """Read RESULTS_DIR/fields.xdmf and its mesh; ResultsError if it is missing or not
        the kind of file swellfem writes."""
        xdmf = readers.require(results_dir, "fields.xdmf") / "fields.xdmf"
        try:
            domain = ET.parse(xdmf).getroot().find("Domain")
            mesh = next(g for g in domain.findall("Grid") if g.get("GridType") == "Uniform")
            topology = mesh.find("Topology")
            cell_type = CELL_TYPES[topology.get("TopologyType")]
            datasets = {}
            for collection in domain.findall("Grid"):
                if collection.get("GridType") != "Collection":
                    continue
                datasets[collection.get("Name")] = sorted(
                    (float(g.find("Time").get("Value")),
                     g.find("Attribute").find("DataItem").text.strip())
                    for g in collection.findall("Grid"))
        except (ET.ParseError, AttributeError, KeyError, StopIteration, ValueError) as err:
            raise ResultsError(f"{xdmf} is not a field file written by swellfem "
                               f"({type(err).__name__}: {err})") from None
        points = _dataset(xdmf.parent, mesh.find("Geometry").find("DataItem").text)
        cells = _dataset(xdmf.parent, topology.find("DataItem").text).astype(np.int64)
        return cls(xdmf, points, cells, cell_type, datasets)

    @property
    def names(self) -> list[str]:
        return list(self.datasets)

    def times(self, name: str) -> np.ndarray:
        """Output times (s) of field ``name``."""
        return np.array([t for t, _ in self.datasets[name]])

    def read(self, name: str, time_s: float) -> tuple[float, np.ndarray]:
        """(output time, values) of field ``name`` at the output time nearest ``time_s``:
        (points,) for a scalar, (points, 3) for a vector."""
        if name not in self.datasets:
            raise ResultsError(f"{self.xdmf} has no field {name!r}; it has "
                               f"{', '.join(self.names)}")
        t, item = min(self.datasets[name], key=lambda entry: abs(entry[0] - time_s))
        values = _dataset(self.xdmf.parent, item)
        return t, values[:, 0] if values.shape[1] == 1 else values


def _dataset(folder: Path, item: str) -> np.ndarray:
    """The array an XDMF DataItem names ('fields.h5:/Function/...', the file relative to
    ``folder``); ResultsError if it cannot be read."""
    file_name, path = item.split(":", 1)
    try:
        with h5py.File(folder / file_name, "r") as f:
            return np.asarray(f[path])
    except (OSError, KeyError) as err:
        raise ResultsError(f"cannot read {path} from {folder / file_name}: {err}") from None
