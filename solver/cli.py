"""Command line `swellfem` (DESIGN.md §3): run, sweep, check, mesh, plot, materials, info.

Exit codes: 0 success, 2 bad input (one-paragraph message, no traceback), 3 the solution
failed or SIGTERM stopped the run (a checkpoint is written), 1 anything else. Only rank 0
prints; dolfinx/PETSc are imported only when needed.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from solver.case import CaseError, dump_case, load_case
from solver.errors import SolveFailed, Terminated

KNOWN_RESULTS = frozenset({"case.yaml", "run.json", "summary.csv", "cycles.csv", "fields.xdmf",
                           "fields.h5", "profiles", "checkpoint", "plots"})


class UsageError(Exception):
    """A bad command line (exit code 2)."""


def _comm() -> Any:
    import solver.mpi_env  # noqa: F401  (the wheel's MPI first)
    from mpi4py import MPI

    return MPI.COMM_WORLD


def _print(text: str = "", file: Any = None) -> None:
    """Print on rank 0 only."""
    if _comm().rank == 0:
        print(text, file=file or sys.stdout, flush=True)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:
        raise UsageError(f"{message} (see {self.prog} --help)")

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            _print(message.rstrip("\n"), file)


def check_output_dir(out: Path, case_file: Path) -> None:
    """CaseError unless `out` is absent, empty or a previous swellfem results directory
    that the run would not destroy the case file in."""
    refuse = f"refusing to write into {out}:"
    if out.exists() and not out.is_dir():
        raise CaseError(f"{refuse} it is a file, not a directory; choose another with -o")
    if case_file.resolve().is_relative_to(out.resolve()):
        raise CaseError(f"{refuse} the case file {case_file} lies inside it and would be "
                        "overwritten; copy the case file elsewhere or choose another directory")
    names = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
    foreign = [n for n in names if n not in KNOWN_RESULTS]
    if foreign:
        raise CaseError(f"{refuse} it contains files swellfem did not write: {', '.join(foreign)}; "
                        "choose another directory with -o or output.dir, or remove them")
    if names and "run.json" not in names:
        raise CaseError(f"{refuse} it has no run.json, so it is not a swellfem results directory "
                        f"(found {', '.join(names)}); choose another directory with -o")


def _on_root(check: Callable[[], None]) -> None:
    """Run a file-system check on rank 0 and raise its CaseError on every rank."""
    comm = _comm()
    message = None
    if comm.rank == 0:
        try:
            check()
        except CaseError as e:
            message = str(e)
    message = comm.bcast(message, root=0)
    if message is not None:
        raise CaseError(message)


def _run(args: argparse.Namespace, petsc: list[str]) -> int:
    case = load_case(args.case, args.set)
    out = Path(args.output) if args.output else case.output_dir()
    restart = Path(args.restart) if args.restart else None
    if restart is not None and not (restart / "checkpoint").is_dir():
        raise CaseError(f"restart directory {restart} has no checkpoint/ (it must be the results "
                        "directory of an earlier run)")
    if restart is not None and restart.resolve() == out.resolve():
        raise CaseError(f"the restart would overwrite {restart}; give a new results directory "
                        "with -o")
    _on_root(lambda: check_output_dir(out, Path(args.case)))
    from solver.simulation import run_case

    run_case(case, out, petsc_args=petsc, restart=restart, plots=not args.no_plots)
    _print(f"results written to {out}")
    return 0


def _check(args: argparse.Namespace, petsc: list[str]) -> int:
    _print(dump_case(load_case(args.case, args.set)).rstrip("\n"))
    return 0


def _mesh(args: argparse.Namespace, petsc: list[str]) -> int:
    case = load_case(args.case, args.set)
    out = Path(args.output or f"{case.name}-mesh.xdmf")
    if out.suffix != ".xdmf":
        raise CaseError(f"mesh output {out} must end in .xdmf")
    comm = _comm()
    import dolfinx.io

    from meshes import build, quality
    from meshes.report import format_report, mesh_report

    domain = build(case.geometry, comm)
    mesh, tdim = domain.mesh, domain.mesh.topology.dim
    if comm.rank == 0:
        out.parent.mkdir(parents=True, exist_ok=True)
    comm.barrier()
    mesh.topology.create_connectivity(tdim - 1, tdim)
    domain.facet_tags.name, domain.cell_tags.name = "facet_tags", "cell_tags"
    with dolfinx.io.XDMFFile(comm, str(out), "w") as f:
        f.write_mesh(mesh)
        f.write_meshtags(domain.facet_tags, mesh.geometry)
        f.write_meshtags(domain.cell_tags, mesh.geometry)
    q = quality(domain)
    tags = ", ".join(f"{k}={v}" for k, v in domain.facet_ids.items())
    _print(f"{out}: {case.geometry.kind} ({domain.dimension}), {q['num_cells']} cells, "
           f"{q['num_vertices']} vertices, h_min = {q['h_min']:.3g} m, h_max = {q['h_max']:.3g} m"
           f"; facet tags: {tags or 'none'}")
    _print(format_report(mesh_report(domain)))
    return 0


def _plot(args: argparse.Namespace, petsc: list[str]) -> int:
    results = Path(args.dir)
    if not results.is_dir():
        raise CaseError(f"results directory {results} does not exist")
    from postprocess.plots import plot_results

    plot_results(results)
    return 0


def _sweep(args: argparse.Namespace, petsc: list[str]) -> int:
    from solver.sweep import collect, load_study, run_study, write_slurm

    study = load_study(args.study)
    if args.slurm:
        script = write_slurm(study, args.ranks_per_case, args.rerun_failed)
        _print(f"wrote {script} ({len(study.cases)} array tasks); its header shows how to "
               "submit it and the collector")
        return 0
    if args.collect:
        counts = collect(study, plots=not args.no_plots)
    else:
        counts = run_study(study, args.ranks_per_case, args.rerun_failed, args.only,
                           plots=not args.no_plots)
    _print(", ".join(f"{n} {status}" for status, n in counts.items()))
    return 3 if counts["failed"] else 0


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def _materials(args: argparse.Namespace, petsc: list[str]) -> int:
    from solver import materials

    if args.name is None:
        rows = [["name", "chemistry", "host", "description"]]
        rows += [[n, (e := materials.entry(n))["chemistry"] or "inactive", e["host"],
                  " ".join(e["description"].split())] for n in materials.names()]
        _print(_table(rows))
        return 0
    try:
        e = materials.entry(args.name)
    except KeyError as err:
        raise CaseError(err.args[0]) from None
    rows = [["property", "value", "confidence", "source"]]
    rows += [[k, str(p["value"]), p["confidence"], p["source"]] for k, p in e["properties"].items()]
    _print(f"{e['name']}: {e['chemistry']} in {e['host']}. {' '.join(e['description'].split())}\n"
           f"confidence: V verified, L literature, U uncertain\n\n{_table(rows)}")
    return 0


def _version(module: str) -> str:
    try:
        return str(__import__(module).__version__)
    except Exception as e:  # report, never fail: info is for diagnosing broken installs
        return f"not available ({type(e).__name__})"


def _info(args: argparse.Namespace, petsc: list[str]) -> int:
    from importlib.metadata import version

    comm = _comm()
    from mpi4py import MPI

    rows = [["swellfem", version("swellfem")], ["python", platform.python_version()]]
    rows += [[m, _version(m)] for m in ("dolfinx", "basix", "ufl", "ffcx", "petsc4py", "mpi4py")]
    rows += [["MPI library", " ".join(MPI.Get_library_version().splitlines()[0].split())],
             ["MPI ranks", str(comm.size)]]
    try:
        from petsc4py import PETSc

        rows.append(["PETSc", ".".join(map(str, PETSc.Sys.getVersion()))])
        rows += [[f"PETSc + {p}", "yes" if PETSc.Sys.hasExternalPackage(p) else "no"]
                 for p in ("mumps", "superlu_dist", "hypre")]
    except Exception as e:  # as above: report what is missing
        rows.append(["PETSc", f"not available ({type(e).__name__})"])
    rows.append(["gmsh", _version("gmsh")])
    _print(_table(rows))
    return 0


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="swellfem", description="Chemo-mechanics of alloy battery anodes.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def with_case(name: str, help_: str) -> argparse.ArgumentParser:
        s = sub.add_parser(name, help=help_, description=help_)
        s.add_argument("case", metavar="CASE", help="case file (YAML)")
        s.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help="override a key, e.g. --set geometry.radius='300 nm' (repeatable)")
        return s

    s = with_case("run", "run a case; PETSc options may follow --")
    s.add_argument("-o", "--output", metavar="DIR", help="results directory (beats output.dir)")
    s.add_argument("--restart", metavar="DIR",
                   help="continue from the checkpoint of the results directory DIR (same mesh, "
                        "any number of ranks; written periodically, at the end of each protocol "
                        "step, on failure and on SIGTERM) into a new results directory")
    s.add_argument("--no-plots", action="store_true", help="do not write plots at the end")
    s.set_defaults(func=_run)
    with_case("check", "validate a case and print it resolved (SI, defaults)").set_defaults(
        func=_check)
    s = with_case("mesh", "mesh the geometry only and report its quality")
    s.add_argument("-o", "--output", metavar="MESH.xdmf", help="default: NAME-mesh.xdmf")
    s.set_defaults(func=_mesh)
    s = sub.add_parser("sweep", help="run a parameter study (a base case over parameter "
                       "values)", description="run the cases of a study file still to do into "
                       "STUDY_DIR/cases/KEY and write STUDY_DIR/study.csv and plots/")
    s.add_argument("study", metavar="STUDY", help="study file (YAML)")
    s.add_argument("--ranks-per-case", type=int, metavar="N",
                   help="run cases side by side on groups of N ranks (default: every case on "
                        "all ranks)")
    s.add_argument("--rerun-failed", action="store_true",
                   help="run the cases that failed before again (they are skipped otherwise)")
    s.add_argument("--no-plots", action="store_true", help="write no plots")
    only = s.add_mutually_exclusive_group()
    only.add_argument("--slurm", action="store_true",
                      help="write STUDY_DIR/sweep.slurm, a Slurm job array (one task per case), "
                           "instead of running")
    only.add_argument("--only", type=int, metavar="I", help="run case I only (an array task)")
    only.add_argument("--collect", action="store_true",
                      help="rebuild study.csv and the plots from the case directories")
    s.set_defaults(func=_sweep)
    s = sub.add_parser("plot", help="write PNG plots of a results directory")
    s.add_argument("dir", metavar="DIR")
    s.set_defaults(func=_plot)
    s = sub.add_parser("materials", help="list the material library, or one entry with sources")
    s.add_argument("name", nargs="?", metavar="NAME")
    s.set_defaults(func=_materials)
    sub.add_parser("info", help="versions, MPI and PETSc packages").set_defaults(func=_info)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    petsc: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, petsc = argv[:i], argv[i + 1:]
    try:
        args = _parser().parse_args(argv)
        if petsc and args.command != "run":
            raise UsageError("options after -- are PETSc options and are accepted by run only")
        return args.func(args, petsc)
    except SystemExit as e:  # --help
        return e.code if isinstance(e.code, int) else 0
    except (CaseError, UsageError) as e:
        _print(f"swellfem: error: {e}", sys.stderr)
        return 2
    except SolveFailed as e:
        _print(f"swellfem: the solution failed: {e}", sys.stderr)
        return 3
    except Terminated as e:
        _print(f"swellfem: {e}; its checkpoint continues the run with --restart", sys.stderr)
        return 3
    except BrokenPipeError:  # e.g. `swellfem check case.yaml | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        _print("swellfem: interrupted", sys.stderr)
        return 130
    except Exception:
        if _comm().rank == 0:
            traceback.print_exc()
        return 1


if __name__ == "__main__":
    sys.exit(main())
