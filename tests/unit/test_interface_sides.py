"""How ``interfaces`` split the hosts into sides and scale their unknowns (solver.interfaces),
on a stand-in domain of three hosts in a row: Sn core, carbon shell, carbon matrix."""

from types import SimpleNamespace

import pytest
from support import CASES

from solver.case import CaseError, load_case
from solver.interfaces import plan_sides
from solver.schema import Interface

SHELL = ("geometry={kind: core_shell, core_radius: 80 nm, shell_thickness: 20 nm, "
         "dimension: radial}", "materials.shell={from: HC-Na}")
DOMAIN = SimpleNamespace(regions={"active": 1, "shell": 2, "matrix": 3}, length=1e-7,
                         facet_ids={"surface": 1, "interface:active:shell": 7,
                                    "interface:matrix:shell": 8})


def plan(*interfaces: dict):
    materials = load_case(CASES / "demo.yaml", SHELL).materials
    case = SimpleNamespace(materials={**materials, "matrix": materials["shell"]},
                           interfaces=[Interface(**i) for i in interfaces])
    return plan_sides(case, DOMAIN), materials


def test_default_scales_are_the_capacity_ratios():
    sides, m = plan()
    ratio = m["shell"].c_max / m["active"].c_max
    assert sides.scale == pytest.approx({"active": 1, "shell": ratio, "matrix": ratio})
    assert not sides.second and not sides.barriers


def test_partition_coefficients_multiply_along_bonded_interfaces():
    sides, _ = plan({"between": ["shell", "active"], "partition": 4.0},
                    {"between": ["shell", "matrix"], "partition": 0.5})
    assert sides.scale == pytest.approx({"active": 1, "shell": 0.25, "matrix": 0.125})


def test_a_barrier_puts_the_hosts_beyond_it_on_the_second_side():
    sides, m = plan({"between": ["shell", "active"], "condition": "resistance",
                     "resistance": 1e9, "partition": 2.0})
    assert sides.second == {"shell", "matrix"}
    (barrier,) = sides.barriers
    D = m["active"].D
    # given from shell to active: seen from side 1 (active) K and g invert
    assert barrier.facet_tag == 7 and barrier.partition == pytest.approx(0.5)
    assert barrier.conductance == pytest.approx(1e-7 / (D * 1e9) / 2.0)


@pytest.mark.parametrize("interfaces, message", [
    ([{"between": ["active", "matrix"]}], "active and matrix share no interface"),
    ([{"between": ["active", "shell"], "condition": "blocking"},
      {"between": ["matrix", "shell"], "condition": "blocking"}],
     "does not touch the active material's side"),
])
def test_impossible_interfaces(interfaces, message):
    with pytest.raises(CaseError, match=message):
        plan(*interfaces)
