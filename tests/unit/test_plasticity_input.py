"""Material input rules: plasticity (finite strain only, flow data required), measured curves
(volume, moduli), Cahn–Hilliard data."""

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


@pytest.mark.parametrize("override, message", [
    ("materials.active.volume_curve=[[0, 1], [0.5, 2]]", "θ must increase strictly from 0 to 1"),
    ("materials.active.volume_curve=[[0, 1], [0.6, 3], [0.4, 4], [1, 5]]",
     "θ must increase strictly from 0 to 1"),
    ("materials.active.volume_curve=[[0, 1.1], [1, 5]]", "V/V0 must start at 1"),
    ("materials.active.E_curve=[[0, 20 GPa], [1, 10 GPa]]", "E must start at 3e\\+10"),
    ("materials.active.nu_curve=[[0, 0.3], [1, 0.6]]", "nu must start at 0.3"),
    ("materials.active.E_curve=[[0, 30 GPa], [0.5, 20 GPa]]", "θ must increase strictly"),
])
def test_bad_curves(override, message):
    with pytest.raises(CaseError, match=message) as err:
        load_case(B1, [override])
    assert override.split("=")[0].split(".")[-1] in str(err.value)


def test_volume_curve_and_expansion_must_agree():
    with pytest.raises(CaseError, match="disagrees with the volume curve"):
        load_case(B1, ["materials.active.volume_curve=[[0, 1], [1, 3]]"])  # expansion 0.05
    case = load_case(CASES / "sn_na_particle_finite.yaml",  # the library's expansion yields
                     ["materials.active.volume_curve=[[0, 1], [0.5, 2], [1, 5.24]]"])
    assert case.materials["active"].expansion == pytest.approx(4.24)


def test_library_materials_carry_flow_data():
    case = load_case(CASES / "sn_na_particle_finite.yaml",
                     ["physics.plasticity=viscoplastic", "geometry.dimension=radial"])
    m = case.materials["active"]
    assert (m.yield_stress, m.flow_rate, m.flow_exponent) == (0.1e9, 1e-3, 2.0)


def test_cahn_hilliard_input():
    with pytest.raises(CaseError, match="needs mobility: lattice_gas"):
        load_case(B1, ["physics.phase_separation=cahn_hilliard", "physics.mobility=dilute"])
    with pytest.raises(CaseError, match="needs interaction and gradient_length"):
        load_case(B1, ["physics.phase_separation=cahn_hilliard"])
