"""Plasticity input rules: finite strain only, material data required, not yet in 3-D."""

import pytest
from support import CASES

from solver.case import CaseError, load_case

B1 = CASES / "verification/b1_galvanostatic.yaml"


def test_needs_finite_strain():
    with pytest.raises(CaseError, match="viscoplastic needs kinematics: finite"):
        load_case(B1, ["physics.plasticity=viscoplastic"])


def test_needs_flow_data():
    with pytest.raises(CaseError, match="needs yield_stress, flow_rate, flow_exponent"):
        load_case(B1, ["physics.plasticity=viscoplastic", "physics.kinematics=finite"])


def test_refused_in_3d():
    with pytest.raises(CaseError, match="radial or axisymmetric"):
        load_case(CASES / "sn_na_particle_finite.yaml", ["physics.plasticity=viscoplastic"])


def test_library_materials_carry_flow_data():
    case = load_case(CASES / "sn_na_particle_finite.yaml",
                     ["physics.plasticity=viscoplastic", "geometry.dimension=radial"])
    m = case.materials["active"]
    assert (m.yield_stress, m.flow_rate, m.flow_exponent) == (0.1e9, 1e-3, 2.0)
