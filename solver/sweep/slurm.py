"""A Slurm job array for a study: one array task per case, and the collector after it."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from solver.sweep.ledger import check_folder
from solver.sweep.study import Study


def write_slurm(study: Study, ranks_per_case: int | None, rerun_failed: bool) -> Path:
    """STUDY_DIR/sweep.slurm: a job array with one task per case (`sweep --only I`); its
    header says how to submit it with the collector (`sweep --collect`) after it."""
    import solver.mpi_env  # noqa: F401
    from mpi4py import MPI

    check_folder(study, MPI.COMM_WORLD)
    logs = study.folder / "slurm"
    logs.mkdir(parents=True, exist_ok=True)
    q = shlex.quote
    sweep = f"{q(sys.executable)} -m solver.cli sweep {q(str(study.file.resolve()))}"
    here, script = q(str(Path.cwd())), study.folder / "sweep.slurm"
    collector = (f"sbatch --dependency=afterany:$jobid --ntasks=1 --job-name={study.name}-collect "
                 f"--output={q(str(logs.resolve()))}/collect.out "
                 f"--wrap={q(f'cd {here} && {sweep} --collect')}")
    script.write_text(f"""#!/bin/bash
# Parameter study {study.name} ({study.file}): {len(study.cases)} cases, one array task each;
# a task skips a case that is already completed. Submit the array and the collector that
# rebuilds study.csv and the plots when every task has ended:
#   jobid=$(sbatch --parsable {q(str(script))})
#   {collector}
#SBATCH --job-name={study.name}
#SBATCH --array=0-{len(study.cases) - 1}
#SBATCH --ntasks={ranks_per_case or 1}
#SBATCH --output={logs.resolve()}/%x-%a.out
set -euo pipefail
cd {here}
srun {sweep} --only "$SLURM_ARRAY_TASK_ID"{' --rerun-failed' if rerun_failed else ''}
""")
    return script
