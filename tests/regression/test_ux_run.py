"""The user's view of a run: the Python API and the command line give the same results, the
plots and snapshots of a demo run, the ParaView script, and progress printed once under MPI."""

import ast

import h5py
import numpy as np
import pytest
from matplotlib import image
from mpi4py import MPI
from support import CASES

from postprocess import readers
from solver import Case, run
from solver.case import load_case
from solver.cli import check_output_dir, main
from solver.simulation import run_case

TINY = ("geometry.dimension=radial", "output.fields.every=4",
        "protocol.steps=[{insert: {c_rate: 2}, until: {soc: 0.05}}, {rest: 1 min}]")
DEMO = CASES / "demo.yaml"


@pytest.fixture(scope="module")
def api_run(tmp_path_factory):
    """The demo, radial and short, through the Python API (with plots)."""
    case = Case(DEMO)
    for override in TINY:
        case.set(*override.split("=", 1))
    return run(case, tmp_path_factory.mktemp("api") / "demo", progress="quiet")


def assert_png_with_content(path):
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
    pixels = image.imread(path)[..., :3]
    rgb = (pixels * 255).astype(np.uint32)
    colours = np.unique(rgb[..., 0] << 16 | rgb[..., 1] << 8 | rgb[..., 2])
    assert len(colours) > 50 and pixels.std() > 0.02, path  # drawn on, not a blank page


def test_api_gives_the_summary_of_the_command_line(api_run, tmp_path, capsys):
    out = tmp_path / "cli"
    argv = ["run", str(DEMO), "-o", str(out), "--no-plots"]
    for override in TINY:
        argv += ["--set", override]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "step 1/2 insert  ended (SOC limit) at t 90 s  SOC 0.0500" in printed
    assert printed.splitlines()[-1] == f"results written to {out} (progress log: " \
                                       f"{out / 'run.log'})"
    cli = readers.summary(out)
    assert list(api_run.summary) == list(cli)
    for column, values in cli.items():  # the same solves, but not always bitwise equal (CI
        # saw 2e-12 in a voltage, 1e-11 of the peak in a stress relaxing to zero): to the Newton
        # tolerance (rtol 1e-9) relative to each column's scale
        scale = np.nanmax(np.abs(values)) if np.isfinite(values).any() else 0.0
        np.testing.assert_allclose(api_run.summary[column], values, rtol=1e-9,
                                   atol=1e-9 * scale, err_msg=column)
    assert api_run.record["status"] == "completed" and api_run.summary["soc"][-1] == \
        pytest.approx(0.05, abs=1e-12)
    assert set(api_run.cycles) >= {"coulombic_efficiency"} and "radial" in api_run.profiles


def test_case_overrides_are_validated():
    case = Case(DEMO).set("geometry.radius", "300 nm").set("protocol.cycles", 2)
    assert case.model.geometry.radius == pytest.approx(3e-7) and case.model.protocol.cycles == 2
    with pytest.raises(Exception, match=r"geometry.radius \(from --set\)"):
        case.set("geometry.radius", "-3 nm")
    assert case.model.geometry.radius == pytest.approx(3e-7)  # unchanged by the refusal


def test_plots_of_a_demo_run(api_run, capsys):
    folder = api_run.dir / "plots"
    expected = {"soc", "stresses", "stresses_soc", "volume_change", "voltage_capacity", "dqdv",
                "overpotential", "profile_radial", "snapshot_concentration_150s",
                "snapshot_von_mises_150s"}
    assert {p.stem for p in folder.glob("*.png")} == expected  # no extraction: no cycles.png
    for path in folder.glob("*.png"):
        assert_png_with_content(path)
    assert main(["plot", str(api_run.dir), "--no-snapshots"]) == 0
    assert capsys.readouterr().out.strip() == f"plots written to {folder} (8 files)"


def test_paraview_script_names_the_written_arrays(api_run, capsys):
    assert main(["paraview", str(api_run.dir)]) == 0
    assert "state.py" in capsys.readouterr().out
    script = api_run.dir / "paraview" / "state.py"
    tree = ast.parse(script.read_text())
    compile(tree, str(script), "exec")
    with h5py.File(api_run.dir / "fields.h5") as f:
        written = set(f["Function"])
    arrays = next(ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
                  and getattr(node.targets[0], "id", "") == "ARRAYS")
    assert set(arrays) == written
    named = [ast.literal_eval(node.elts[1]) for node in ast.walk(tree)
             if isinstance(node, (ast.List, ast.Tuple)) and len(node.elts) == 2
             and isinstance(node.elts[0], ast.Constant) and node.elts[0].value == "POINTS"
             and isinstance(node.elts[1], ast.Constant)]
    assert "displacement" in named and set(named) <= written
    assert "WarpByScalar(" in script.read_text()  # radial: u_r is a scalar along x
    check_output_dir(api_run.dir, DEMO)  # run.log and paraview/ are ours: the folder is reusable


@pytest.mark.parallel
def test_progress_printed_once(tmp_path, capsys):
    """Under mpirun -n 2 every progress line appears once (rank 0), and run.log has them."""
    comm = MPI.COMM_WORLD
    run_case(load_case(DEMO, TINY), tmp_path / "progress", plots=False, progress="verbose")
    printed = capsys.readouterr().out.splitlines()
    counts = comm.allgather(len(printed))
    assert counts[0] > 10 and counts[1:] == [0] * (comm.size - 1)
    if comm.rank == 0:
        assert (tmp_path / "progress" / "run.log").read_text().splitlines() == printed
        assert printed[0].startswith(f"case demo: 31 unknowns on {comm.size} rank")
        assert sum("ended" in line for line in printed) == 2 and "completed" in printed[-1]
