"""Study files: expansion into cases (grid, zip, ranges, Latin hypercube), keys, units, errors
with their line; metrics of a results directory; the Slurm script (no solver runs here)."""

import subprocess
from pathlib import Path

import numpy as np
import pytest

from solver.case import CaseError
from solver.cli import main
from solver.sweep import case_metrics, load_study, write_slurm

BASE = """\
name: base
geometry: {kind: sphere, radius: 250 nm, dimension: radial}
chemistry: Na
materials: {active: {from: Sn-Na}}
protocol:
  steps:
    - {insert: {c_rate: 1}, until: {soc: 0.5}}
"""


@pytest.fixture
def study(tmp_path):
    """Write a study file (text after the name/base lines) next to the base case; load it."""
    (tmp_path / "base.yaml").write_text(BASE)

    def write(text: str) -> Path:
        path = tmp_path / "study.yaml"
        path.write_text(f"name: s\nbase: base.yaml\noutput: {{dir: {tmp_path / 'out'}}}\n{text}")
        return path

    return write


def test_grid_is_the_cartesian_product_with_readable_keys(study):
    s = load_study(study("parameters:\n"
                         "  geometry.radius: [50 nm, 0.1 um]\n"
                         "  protocol.steps.0.insert.c_rate: [0.5, 1, C/4]\n"))
    assert [c.key for c in s.cases] == [
        "radius-50nm_c_rate-0.5", "radius-50nm_c_rate-1", "radius-50nm_c_rate-C_4",
        "radius-0.1um_c_rate-0.5", "radius-0.1um_c_rate-1", "radius-0.1um_c_rate-C_4"]
    assert [c.values["geometry.radius"] for c in s.cases] == [5e-8] * 3 + [1e-7] * 3
    assert [c.values["protocol.steps.0.insert.c_rate"] for c in s.cases[:3]] == [0.5, 1, 0.25]
    last = s.cases[-1].case
    assert last.geometry.radius == 1e-7 and last.protocol.steps[0].c_rate == 0.25
    assert last.name == "s-radius-0.1um_c_rate-C_4"
    assert s.case_dir(5) == Path(s.folder, "cases", "radius-0.1um_c_rate-C_4")


def test_zip_pairs_values_and_ranges_take_units(study):
    s = load_study(study("mode: zip\nparameters:\n"
                         "  geometry.radius: {range: [50 nm, 0.5 um, 3], log: true}\n"
                         "  temperature: {range: [0 degC, 50 degC, 3]}\n"))
    radii = [c.values["geometry.radius"] for c in s.cases]
    assert np.allclose(radii, [5e-8, np.sqrt(5e-8 * 5e-7), 5e-7], rtol=1e-12)
    assert np.allclose([c.case.temperature for c in s.cases], [273.15, 298.15, 323.15])
    assert s.cases[1].key == "radius-158.1nm_temperature-25degC"


def test_zip_needs_equal_lengths(study):
    with pytest.raises(CaseError, match=r"parameters.initial.soc \(line 7\): mode zip needs "
                                        r"as many values .* it has 1, geometry.radius has 2"):
        load_study(study("mode: zip\nparameters:\n  geometry.radius: [50 nm, 60 nm]\n"
                         "  initial.soc: [0.1]\n"))


@pytest.mark.parametrize("scale", ["linear", "log"])
def test_latin_hypercube_is_stratified_and_reproducible(study, scale):
    n = 7
    text = (f"mode: lhs\nsamples: {n}\nseed: 3\nparameters:\n"
            f"  geometry.radius: {{min: 50 nm, max: 0.5 um, scale: {scale}}}\n"
            "  protocol.steps.0.insert.c_rate: {min: 0.5, max: 4}\n")
    s = load_study(study(text))
    assert len(s.cases) == n and s.cases[0].key.startswith("s0_radius-")
    for path, (lo, hi, log) in {"geometry.radius": (5e-8, 5e-7, scale == "log"),
                                "protocol.steps.0.insert.c_rate": (0.5, 4.0, False)}.items():
        x = np.array([c.values[path] for c in s.cases])
        f = np.log(x / lo) / np.log(hi / lo) if log else (x - lo) / (hi - lo)
        assert sorted(np.floor(n * f).astype(int)) == list(range(n)), path  # one per bin
    assert [c.values for c in load_study(study(text)).cases] == [c.values for c in s.cases]
    other = load_study(study(text.replace("seed: 3", "seed: 4")))
    assert [c.values for c in other.cases] != [c.values for c in s.cases]


@pytest.mark.parametrize("text, message", [
    ("paramters:\n  geometry.radius: [50 nm]\n",
     r"unknown key 'paramters' at paramters \(line 4\); did you mean 'parameters'\?"),
    ("parameters:\n  geometry.radiu: [50 nm]\n",
     r"parameters.geometry.radiu \(line 5\) does not fit the base case: .*unknown key "
     r"'radiu'.* did you mean 'radius'\?"),
    ("parameters:\n  geometry.radius: 50 nm\n",
     r"parameters.geometry.radius \(line 5\): give a list of values"),
    ("parameters:\n  geometry.radius: {range: [50 nm, 2 s, 3]}\n",
     r"parameters.geometry.radius \(line 5\): give both ends in units of the same kind"),
    ("mode: lhs\nparameters:\n  geometry.radius: {min: 50 nm, max: 500 nm}\n",
     r"mode lhs \(line 4\) needs samples"),
    ("parameters:\n  geometry.radius: [50 nm, -1 nm]\n",
     r"case radius--1nm \(geometry.radius=\"-1 nm\"\): .*geometry.radius \(from --set\)"),
])
def test_bad_study_names_the_key_and_line(study, text, message):
    with pytest.raises(CaseError, match=message):
        load_study(study(text))


def test_cli_bad_study_exits_2_without_traceback(study, capsys):
    assert main(["sweep", str(study("parameters:\n  geometry.radius: [1 kg]\n"))]) == 2
    err = capsys.readouterr().err
    assert err.startswith("swellfem: error: ") and "Traceback" not in err and "line 5" in err


def test_slurm_script_is_valid_bash(study):
    s = load_study(study("parameters:\n  geometry.radius: [50 nm, 60 nm, 70 nm]\n"))
    script = write_slurm(s, ranks_per_case=2, rerun_failed=True)
    text = script.read_text()
    assert script == s.folder / "sweep.slurm" and (s.folder / "slurm").is_dir()
    assert "#SBATCH --array=0-2" in text and "#SBATCH --ntasks=2" in text
    assert '--only "$SLURM_ARRAY_TASK_ID" --rerun-failed' in text and "--collect" in text
    subprocess.run(["bash", "-n", str(script)], check=True)


def test_metrics_from_summary_and_cycles(tmp_path):
    (tmp_path / "summary.csv").write_text(
        "time_s,surface_hoop_max_Pa,von_mises_max_Pa,hydrostatic_max_Pa,volume_change_pct\n"
        "0,0,0,0,0\n1,-3e8,2e8,1e8,10\n2,1e8,,5e7,8\n")
    (tmp_path / "cycles.csv").write_text(
        "cycle,insertion_capacity_mAh_g,extraction_capacity_mAh_g,coulombic_efficiency\n"
        "1,100,90,0.9\n2,100,95,0.95\n3,100,0,0\n")
    m = case_metrics(tmp_path)
    assert m["peak_hoop_Pa"] == 3e8 and m["max_von_mises_Pa"] == 2e8
    assert m["max_hydrostatic_Pa"] == 1e8 and m["final_volume_change_pct"] == 8
    assert m["max_sei_cracked_fraction"] is None  # no such column
    assert m["sei_fracture_onset_soc"] is None
    assert m["ice"] == 0.9 and m["final_ce"] == 0.95  # the last cycle extracted nothing


def test_fracture_onset_soc(tmp_path):
    (tmp_path / "summary.csv").write_text(
        "time_s,soc,sei_cracked_area_fraction\n0,0.02,0\n1,0.1,0\n2,0.2,0.5\n3,0.3,1\n")
    m = case_metrics(tmp_path)
    assert m["sei_fracture_onset_soc"] == 0.2 and m["max_sei_cracked_fraction"] == 1
