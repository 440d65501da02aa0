"""Running a study: serially on all ranks, or as a task farm of rank groups that take cases
from a queue on world rank 0. A failing case is recorded in its run.json and the others go on.
"""

from __future__ import annotations

import json
import os
import threading
import time
import traceback
from pathlib import Path

from postprocess import readers
from solver.case import Case, CaseError, dump_case
from solver.errors import SolveFailed, Terminated
from solver.sweep.ledger import METRICS, Ledger, check_folder
from solver.sweep.study import Study

POLL_S = 0.05  # how often idle ranks and the dispatcher look for messages (no busy waiting)
_REQUEST, _REPLY = 71, 72  # MPI tags: a group leader asks for a case, the dispatcher answers


class _Dispatcher:
    """On world rank 0: hands out the cases to run one at a time — to its own group directly,
    to the other group leaders over MPI from a thread — and records each case that finishes
    (study.csv, a progress line)."""

    def __init__(self, ledger: Ledger, todo: list[int], world, remote_groups: int,
                 write: bool, quiet: bool):
        self.ledger, self.queue, self.world, self.write = ledger, list(todo), world, write
        self.quiet = quiet  # print failed cases only
        self.total, self.started = len(todo), 0
        self._lock = threading.Lock()
        self._thread = None
        if remote_groups:
            self._thread = threading.Thread(target=self._serve, args=(remote_groups,),
                                            daemon=True)
            self._thread.start()

    def next(self, finished: int | None) -> int | None:
        """Record the case ``finished`` (if any) and return the next index (None: no more)."""
        with self._lock:
            if finished is not None:
                self._record(finished)
            if not self.queue:
                return None
            index = self.queue.pop(0)
            self.started += 1
            if not self.quiet:
                print(f"[{self.started}/{self.total}] started   "
                      f"{self.ledger.rows[index]['key']}", flush=True)
            return index

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def _record(self, index: int) -> None:
        self.ledger.refresh(index)
        if self.write:
            self.ledger.write()
        row = self.ledger.rows[index]
        wall = f" in {row['wall_time_s']:.1f} s" if row.get("wall_time_s") is not None else ""
        error = f": {row['error']}" if row.get("error") else ""
        if not self.quiet or row["status"] == "failed":
            print(f"{row['status']:>9} {row['key']}{wall}{error}", flush=True)

    def _serve(self, remote_groups: int) -> None:
        from mpi4py import MPI

        try:
            status = MPI.Status()
            while remote_groups:
                if not self.world.Iprobe(MPI.ANY_SOURCE, _REQUEST, status):
                    time.sleep(POLL_S)
                    continue
                leader = status.Get_source()
                index = self.next(self.world.recv(source=leader, tag=_REQUEST))
                self.world.send(index, dest=leader, tag=_REPLY)
                remote_groups -= index is None
        except BaseException:  # the other groups would wait for an answer for ever
            traceback.print_exc()
            self.world.Abort(1)


def run_study(study: Study, ranks_per_case: int | None = None, rerun_failed: bool = False,
              only: int | None = None, plots: bool = True,
              quiet: bool = False) -> dict[str, int]:
    """Run the cases still to do (or case ``only``) and, unless ``only``, write study.csv and
    the study plots. COMM_WORLD is split into groups of ``ranks_per_case`` ranks (default: one
    group of all) that take cases from a queue on world rank 0 until it is empty; a failing
    case is recorded and the others go on. A line per case started and finished is the
    progress (``quiet``: failed cases only); each case writes its own run.log. Returns the
    number of cases per status (of case ``only`` alone when given)."""
    import solver.mpi_env  # noqa: F401  (the wheel's MPI first)
    from mpi4py import MPI

    # PETSc initialises collectively on COMM_WORLD (and holds the GIL meanwhile): every rank,
    # before the groups go their own ways
    import solver.simulation  # noqa: F401

    world = MPI.COMM_WORLD
    size = world.size if ranks_per_case is None or only is not None else ranks_per_case
    if size < 1 or world.size % size:
        raise CaseError(f"--ranks-per-case {size} must divide the number of MPI ranks "
                        f"({world.size})")
    if only is not None and not 0 <= only < len(study.cases):
        raise CaseError(f"--only {only}: the study has cases 0 to {len(study.cases) - 1}")
    check_folder(study, world)
    root = world.rank == 0
    ledger = Ledger(study) if root else None
    dispatcher = None
    if root:
        todo = ledger.todo(rerun_failed, only)
        if not quiet:
            _announce(study, ledger, todo, rerun_failed, only, world.size // size, size)
        dispatcher = _Dispatcher(ledger, todo, world, world.size // size - 1, only is None,
                                 quiet)
    group = world.Split(world.rank // size, world.rank)
    finished = None
    while True:
        index = None
        if group.rank == 0:
            index = dispatcher.next(finished) if root else _ask(world, finished)
        index = group.bcast(index, root=0)
        if index is None:
            break
        _attempt(study, index, group, plots)
        finished = index
    group.Free()
    counts = None
    if root:
        dispatcher.join()
        for index in range(len(ledger.rows)):  # the final table from what is on disk
            ledger.refresh(index)
        counts = ledger.counts(only)
        if only is None:
            written = ledger.write()
            if not quiet:
                print(f"study.csv written to {written}", flush=True)
            if plots:
                _plot(study, quiet)
    _wait_idle(world)
    return world.bcast(counts, root=0)


def collect(study: Study, plots: bool = True, quiet: bool = False) -> dict[str, int]:
    """Rebuild study.csv (and the plots) from the case directories; the number of cases per
    status."""
    import solver.mpi_env  # noqa: F401
    from mpi4py import MPI

    world = MPI.COMM_WORLD
    check_folder(study, world)
    counts = None
    if world.rank == 0:
        ledger = Ledger(study)
        ledger.write()
        counts = ledger.counts()
        if plots:
            _plot(study, quiet)
    return world.bcast(counts, root=0)


def _ask(world, finished: int | None) -> int | None:
    """A group leader's request for the next case (reporting the one it finished)."""
    world.send(finished, dest=0, tag=_REQUEST)
    return world.recv(source=0, tag=_REPLY)


def _attempt(study: Study, index: int, comm, plots: bool) -> None:
    """Run one case on ``comm``; whatever makes it fail is written to its run.json."""
    from solver.simulation import run_case

    out = study.case_dir(index)
    if comm.rank == 0:
        (out / "run.json").unlink(missing_ok=True)  # a record of an earlier attempt
    comm.barrier()
    start = time.perf_counter()
    try:
        run_case(study.cases[index].case, out, plots=plots, comm=comm, progress="quiet")
    except Terminated:  # SIGTERM stops the study (the case stays pending)
        raise
    except Exception as err:  # any failure ends this case only; the study goes on
        if comm.rank == 0:
            _record_failure(out, study.cases[index].case, err, time.perf_counter() - start)


def _record_failure(out: Path, case: Case, err: Exception, wall: float) -> None:
    """Put the error in run.json (run_case's record, or a new one if it failed before)."""
    out.mkdir(parents=True, exist_ok=True)
    try:
        record = readers.run_record(out)
    except (OSError, ValueError):
        record = {"wall_time_s": {"total": wall}}
    if not (out / "case.yaml").is_file():
        (out / "case.yaml").write_text(dump_case(case))
    message = f"the solution failed: {err}" if isinstance(err, SolveFailed) else \
        str(err) if isinstance(err, CaseError) else f"{type(err).__name__}: {err}"
    record.update(status="failed", error=" ".join(message.split()))
    if not isinstance(err, (SolveFailed, CaseError)):
        record["traceback"] = traceback.format_exception(err)
    tmp = out / "run.json.tmp"
    tmp.write_text(json.dumps(record, indent=2, default=str))
    os.replace(tmp, out / "run.json")


def _announce(study: Study, ledger: Ledger, todo: list[int], rerun_failed: bool,
              only: int | None, groups: int, size: int) -> None:
    counts = ledger.counts()
    print(f"study {study.name}: {len(study.cases)} cases in {study.folder} "
          f"({counts['completed']} completed, {counts['failed']} failed, {counts['pending']} "
          f"pending); running {len(todo)} on {groups} group(s) of {size} rank(s)", flush=True)
    skipped = [r for r in ledger.rows if r["status"] == "failed"
               and not rerun_failed and only in (None, r["index"])]
    for r in skipped:
        print(f"  skipped (failed before; --rerun-failed runs it again): {r['key']}: "
              f"{r['error']}", flush=True)


def _wait_idle(world) -> None:
    """A barrier that sleeps instead of spinning while the other groups finish their cases."""
    request = world.Ibarrier()
    while not request.Test():
        time.sleep(POLL_S)


def _plot(study: Study, quiet: bool) -> None:
    from postprocess.plots import plot_study

    files = plot_study(study.folder, study.parameters, METRICS)
    if files and not quiet:
        print(f"plots written to {files[0].parent}", flush=True)
