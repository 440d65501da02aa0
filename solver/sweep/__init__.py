"""Parameter studies (`swellfem sweep`): a base case run over the values of some of its keys.

A study file names a base case and, for each dotted case path (the paths of `--set`), a list of
values, a range, or Latin-hypercube bounds (`study`). Each combination is a case run into
STUDY_DIR/cases/KEY, serially on all ranks or as a task farm of rank groups (`farm`), or as a
Slurm job array (`slurm`). The state of every case lives in its results directory (run.json,
with the error of a failed case), so a study resumes where it stopped and study.csv can be
rebuilt from the case directories at any time (`ledger`).
"""

from solver.sweep.farm import collect, run_study
from solver.sweep.ledger import METRICS, Ledger, case_metrics
from solver.sweep.slurm import write_slurm
from solver.sweep.study import Study, StudyCase, load_study

__all__ = ["METRICS", "Ledger", "Study", "StudyCase", "case_metrics", "collect", "load_study",
           "run_study", "write_slurm"]
