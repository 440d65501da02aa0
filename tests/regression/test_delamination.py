"""cases/sn_na_particle_delamination.yaml, coarser and shorter: a swelling Sn hemisphere lifts
off its Cu collector through a weak cohesive interface, and the opened faces take fresh SEI.

Bounds: the delaminated fraction starts at 0, never decreases and passes 1/2; the SEI holds at
least the fresh film z h_new/V̄ on the area that had opened two uptake times before the end (the
species leave the particle over ``uptake_time``)."""

import numpy as np
from support import run

from postprocess import readers


def test_swelling_particle_delaminates_and_grows_sei_on_the_opened_faces(tmp_path):
    case, record = run("sn_na_particle_delamination.yaml", tmp_path,
                       "geometry.mesh={size: 10 nm, order: 1}",
                       "protocol.steps=[{insert: {c_rate: 1}, until: {soc: 0.1}}]")
    assert record["status"] == "completed"
    s = readers.summary(tmp_path)
    opened = s["interface_delaminated_area_fraction"]
    assert opened[0] == 0 and opened[-1] > 0.5
    assert np.all(np.diff(opened) >= 0)
    spec = case.physics.sei_growth
    per_area = spec.species_per_unit * spec.fresh_thickness / spec.molar_volume  # mol/m²
    radius = case.geometry.radius
    earlier = np.searchsorted(s["time_s"], s["time_s"][-1] - 2 * spec.uptake_time)
    area = opened[earlier] * np.pi * radius**2  # the contact disk
    assert s["inventory_lost_mol"][-1] >= per_area * area > 0
