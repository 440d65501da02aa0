"""cases/sn_na_voltage.yaml: three C/10 cycles of a 100 nm Sn particle between 0.005 and
1.5 V vs Na/Na+ (issue: electrochemistry, "Done means").

Checks: the voltage limits end every half cycle exactly; fully sodiated, the capacity is within
5 % of Na15Sn4's 847 mAh/g; the insertion curve sits on the Sn–Na plateaus of the library
(0.20, 0.15, 0.05 V) within 30 mV — the log slope of the staircase (≤ 0.3 R_gT/F |ln(θ/(1−θ))|
≤ 10 mV mid-plateau), the Butler–Volmer overpotential at C/10 (≈ 1 mV) and the stress shift
Ωσ_h/F (189 mV/GPa, σ_h of order 0.1 GPa) — and the plots are written.
"""

import numpy as np
import pytest
from support import CASES

from postprocess import readers
from solver.case import load_case
from solver.simulation import run_case


@pytest.fixture(scope="module")
def voltage_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("voltage")
    record = run_case(load_case(CASES / "sn_na_voltage.yaml"), out)
    return record, out


def test_capacity_and_limits(voltage_run):
    record, out = voltage_run
    assert record["status"] == "completed"
    c = readers.cycles(out)
    assert len(c["cycle"]) == 3
    assert np.all(np.abs(c["insertion_capacity_mAh_g"] / 847 - 1) < 0.05)
    assert np.all(np.abs(c["extraction_capacity_mAh_g"] / 847 - 1) < 0.05)
    s = readers.summary(out)
    ends = np.flatnonzero(np.diff(s["step"]) != 0)  # last row of each half cycle
    ends = np.append(ends[s["step"][ends] > 0], len(s["step"]) - 1)
    assert len(ends) == 6
    for k in ends:
        assert s["voltage_V"][k] == pytest.approx(0.005 if s["step"][k] == 1 else 1.5, abs=1e-6)
    assert (out / "plots" / "voltage_capacity.png").is_file()
    assert (out / "plots" / "dqdv.png").is_file()


def test_insertion_plateaus(voltage_run):
    _, out = voltage_run
    s = readers.summary(out)
    first = (s["cycle"] == 1) & (s["step"] == 1)
    for lo, hi, plateau in ((0.053, 0.267, 0.20), (0.267, 0.60, 0.15), (0.60, 1.0, 0.05)):
        width = hi - lo
        mid = first & (s["soc"] > lo + 0.2 * width) & (s["soc"] < hi - 0.2 * width)
        assert np.median(s["voltage_V"][mid]) == pytest.approx(plateau, abs=0.03)
