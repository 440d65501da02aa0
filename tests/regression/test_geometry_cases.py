"""The small geometry cases in cases/geometries (one per mesh builder kind): ``swellfem mesh``
works on each (serial and 2 ranks), and each runs end to end with physically meaningful bounds.

The two large cases there (composite_sn_hc.yaml, inverse_opal_sn_li.yaml) are left to their own
studies.  Bounds asserted for every case: the run completes, the SOC limit is hit exactly and
rises at exactly C/3600 per second (capacity-weighted SOC and C-rate, also for several hosts),
the body swells (ΔV > 0) and is stressed (von Mises > 0), no stress column is NaN.  Bounds that
only hold for some bodies are asserted only there (``SPECIFIC``).

File and image cases name their data relative to the case file's folder; ``swellfem mesh`` runs
from another working directory to check that.
"""

from pathlib import Path

import numpy as np
import pytest
import yaml
from support import ROOT, run

from meshes import build
from meshes.report import mesh_report
from postprocess import readers
from solver import cli
from solver.case import load_case
from solver.schema import IMPLEMENTED_KINDS, geometry_roles

CASE_DIR = ROOT / "cases" / "geometries"
LARGE = ("composite_sn_hc.yaml", "inverse_opal_sn_li.yaml")  # the Done-means cases
CASES = sorted(p.name for p in CASE_DIR.glob("*.yaml") if p.name not in LARGE)
STRESSES = ("surface_hoop_max_Pa", "hydrostatic_max_Pa", "hydrostatic_min_Pa",
            "von_mises_max_Pa")


def _geometry(name: str) -> dict:
    return yaml.safe_load((CASE_DIR / name).read_text(encoding="utf-8"))["geometry"]


def test_every_builder_has_a_case():
    kinds = {_geometry(name)["kind"] for name in CASES}
    assert set(IMPLEMENTED_KINDS) - {"sphere", "box"} <= kinds, kinds


# ------------------------------------------------------------------------------------- mesh
@pytest.mark.parallel
@pytest.mark.parametrize("name", CASES)
def test_swellfem_mesh(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # data paths are relative to the case file, not to the cwd
    out = tmp_path / f"{Path(name).stem}.xdmf"
    assert cli.main(["mesh", str(CASE_DIR / name), "-o", str(out)]) == 0
    assert out.is_file() and out.with_suffix(".h5").is_file()

    case = load_case(CASE_DIR / name)
    report = mesh_report(build(case.geometry))
    assert report["cells"] > 0 and report["volume"] > 0 and report["wetted_area"] > 0, report
    assert set(report["regions"]) == set(geometry_roles(case.geometry))
    for role, region in report["regions"].items():
        assert region["cells"] > 0 and region["volume"] > 0, (role, region)
        assert region["quality_min"] > 0, (role, region)
    assert sum(r["cells"] for r in report["regions"].values()) == report["cells"]


# ------------------------------------------------------------------------------------- runs
def _film(case, s):
    """The lateral symmetry planes and the clamped collector hold the film laterally: it is in
    biaxial compression (compressive stress along its wetted top) and swells only through its
    thickness, ε_zz = (1+ν)/(1−ν) β θ/3 (laterally uniform continuum solution; the elastic
    substrate stays unstrained), so ΔV/V = that times SOC times the film's volume fraction."""
    assert s["surface_hoop_max_Pa"][-1] < 0
    g, m = case.geometry, case.materials["active"]
    film_fraction = g.thickness / (g.thickness + g.substrate_thickness)
    expected = 100 * (1 + m.nu) / (1 - m.nu) * m.expansion / 3 * s["soc"] * film_fraction
    assert s["volume_change_pct"][1:] == pytest.approx(expected[1:], rel=1e-3)


def _yolk_shell(case, s):
    """The yolk fills from its surface (compressive hoop stress there); the gap keeps the
    elastic shell load-free, so no wetted surface carries a tensile hoop stress."""
    assert s["surface_hoop_max_Pa"][-1] <= 1e-6 * abs(s["hydrostatic_min_Pa"][-1])
    assert s["hydrostatic_min_Pa"][-1] < 0


def _free_particle(case, s):
    """A free homogeneous body in small strain: ∫σ dV = 0, so ∫tr ε dV = β∫θ dV (ΔV/V = β SOC
    exactly) and σ_h, of zero mean but not zero (θ is not uniform), takes both signs."""
    beta = case.materials["active"].expansion
    assert s["volume_change_pct"] == pytest.approx(100 * beta * s["soc"], rel=1e-6, abs=1e-9)
    assert s["hydrostatic_max_Pa"][-1] > 0 > s["hydrostatic_min_Pa"][-1]


SPECIFIC = {"film": _film, "yolk_shell": _yolk_shell, "ellipsoid": _free_particle}


@pytest.mark.parametrize("name", CASES)
def test_case_runs(name, tmp_path):
    case, record = run(f"geometries/{name}", tmp_path)
    assert record["status"] == "completed", record.get("events")
    s = readers.summary(tmp_path)
    (step,) = case.protocol.steps
    assert step.kind == "insert" and step.current[1] == "C" and step.until_soc is not None
    assert np.all(s["step"][1:] == 1)
    assert abs(s["soc"][-1] - step.until_soc) <= 1e-9
    rate = np.diff(s["soc"]) / np.diff(s["time_s"])
    assert np.allclose(rate, step.current[0] / 3600, rtol=1e-8, atol=0)
    for key in STRESSES:
        assert not np.isnan(s[key]).any(), key
    assert np.all(s["volume_change_pct"][1:] > 0)
    assert np.all(s["von_mises_max_Pa"][1:] > 0)
    check = SPECIFIC.get(case.geometry.kind)
    if check is not None:
        check(case, s)
