"""Conditions at heterointerfaces (physics.md 1g, case key ``interfaces``): which unknowns
carry the species and the displacement in each material, and the interface terms.

Hosts joined by bonded interfaces share one continuous unknown θ, with c = s_i c_max θ in host i
(c_max of the primary material); across a bonded interface a → b the scales follow the partition
coefficient, s_b = K s_a, so c_b = K c_a holds exactly at the shared nodes. The default
K = c_max,b/c_max,a gives s_i = c_max,i/c_max: θ is each host's own site fraction.

A ``resistance``, ``blocking`` or ``cohesive`` interface separates two *sides*. The primary
material's side keeps the model's unknowns (θ, μ_x); the hosts beyond the barriers share a second
pair (θ₂, μ_x₂) on the same mesh, fixed outside their cells, so both exist on the interface and
may differ there. The flux from side 1 to side 2 enters both mass balances:

    + ∫_Γ ĵ (q − q₂) w dS,   ĵ = g (s₁θ − s₂θ₂/K),   g = L/(D R)   (resistance; ĵ in D c_max/L)

times (1 − D) on a cohesive interface, and ĵ = 0 for a blocking one. Likewise the materials
beyond cohesive interfaces (hosts or elastic) carry a second displacement u₂, and the traction
of the cohesive law (solver.physics.cohesive) joins u and u₂ there. At most two sides of each
kind: every barrier separates the primary material's side from one other.
"""

from dataclasses import dataclass

from solver.case import CaseError
from solver.physics.cohesive import BilinearLaw
from solver.schema import Material


@dataclass(frozen=True)
class Barrier:
    """A resistance, blocking or cohesive interface for the species: its facet tag, its
    partition coefficient from side 1 to side 2 (c₂ = K c₁ in equilibrium), g = L/(D R) (None:
    no flux) and whether the flux fades with the cohesive damage, (1 − D)."""

    facet_tag: int
    partition: float
    conductance: float | None
    cohesive: bool = False


@dataclass(frozen=True)
class Sides:
    """Per host role: the scale s_i (c = s_i c_max θ) and whether it is on the second side; the
    materials on the far side of cohesive interfaces and those interfaces' laws."""

    scale: dict[str, float]
    second: frozenset[str]
    barriers: tuple[Barrier, ...]
    detached: frozenset[str] = frozenset()
    cohesive: tuple[tuple[int, BilinearLaw], ...] = ()


def _default_partition(materials, a: str, b: str) -> float:
    return materials[b].c_max / materials[a].c_max


class _Groups:
    """Union–find of roles over the interfaces that join them."""

    def __init__(self, roles, joined):
        self.parent = {r: r for r in roles}
        for a, b in (tuple(p) for p in joined):
            self.parent[self.root(a)] = self.root(b)

    def root(self, r: str) -> str:
        while self.parent[r] != r:
            r = self.parent[r]
        return r

    def beyond(self, given, kinds: tuple[str, ...], what: str) -> set[str]:
        """The roles on the far side of the interfaces of ``kinds`` (checked: each separates
        the active material's group from one other)."""
        primary, far = self.root("active"), set()
        for spec in given.values():
            if spec.condition not in kinds:
                continue
            a, b = spec.between
            if self.root(a) == self.root(b):
                raise CaseError(f"interfaces: the {spec.condition} interface {a}–{b} joins "
                                f"{what} that other interfaces already connect")
            if primary not in (self.root(a), self.root(b)):
                raise CaseError(f"interfaces: the {spec.condition} interface {a}–{b} does not "
                                "touch the active material's side; barriers must all separate "
                                "it from the other materials (at most two sides)")
            other = b if self.root(a) == primary else a
            far |= {r for r in self.parent if self.root(r) == self.root(other)}
        return far


def plan_sides(case, domain) -> Sides:
    """The sides and scales of the materials of ``domain`` under ``case.interfaces``."""
    materials = case.materials
    roles = list(domain.regions)
    hosts = [r for r in roles if isinstance(materials[r], Material)]
    touching = {}
    for name, tag in domain.facet_ids.items():
        parts = name.split(":")
        if parts[0] == "interface" and len(parts) == 3 and {parts[1], parts[2]} <= set(roles):
            touching[frozenset(parts[1:])] = tag
    given = {}
    for i, spec in enumerate(case.interfaces):
        pair = frozenset(spec.between)
        if pair not in touching:
            listed = ", ".join("–".join(sorted(p)) for p in touching) or "none"
            raise CaseError(f"interfaces.{i}.between: {spec.between[0]} and {spec.between[1]} "
                            f"share no interface in this geometry; its interfaces: {listed}")
        given[pair] = spec
    # species: hosts joined by bonded interfaces; mechanics: everything but cohesive ones
    host_pairs = {p for p in touching if p <= set(hosts)}
    bonded = {p for p in host_pairs if p not in given or given[p].condition == "bonded"}
    second = _Groups(hosts, bonded).beyond(
        {p: s for p, s in given.items() if p in host_pairs},
        ("resistance", "blocking", "cohesive"), "hosts")
    detached = _Groups(roles, {p for p in touching if p not in given
                               or given[p].condition != "cohesive"}).beyond(
        given, ("cohesive",), "materials")
    scale = _scales(case, hosts, bonded, given)
    E, L, D = materials["active"].E, domain.length, materials["active"].D
    barriers, cohesive = [], []
    for pair, spec in given.items():
        a, b = spec.between
        if spec.condition == "cohesive":
            final = 2 * spec.fracture_energy / spec.strength
            cohesive.append((touching[pair], BilinearLaw(
                spec.strength / E, (spec.elastic_opening or final / 100) / L, final / L)))
        if spec.condition == "bonded" or pair not in host_pairs:
            continue
        K = spec.partition or _default_partition(materials, a, b)
        g = None if spec.resistance is None else L / (D * spec.resistance)
        if a in second:  # the flux a → b is minus the flux side 1 → side 2
            K, g = 1 / K, None if g is None else g / K
        barriers.append(Barrier(touching[pair], K, g, spec.condition == "cohesive"))
    return Sides(scale, frozenset(second), tuple(barriers), frozenset(detached), tuple(cohesive))


def _scales(case, hosts, bonded, given) -> dict[str, float]:
    """s_i along the bonded interfaces of each group, from s = c_max,i/c_max at its root (the
    active material where it belongs); a cycle of partition coefficients must close."""
    materials, c_ref = case.materials, case.materials["active"].c_max
    scale = {}
    for start in ["active"] + hosts:
        if start in scale:
            continue
        scale[start] = materials[start].c_max / c_ref
        queue = [start]
        while queue:
            a = queue.pop()
            for pair in bonded:
                if a not in pair:
                    continue
                (b,) = pair - {a}
                spec = given.get(pair)
                K = _default_partition(materials, a, b)
                if spec is not None and spec.partition is not None:
                    K = spec.partition if spec.between[0] == a else 1 / spec.partition
                if b not in scale:
                    scale[b] = K * scale[a]
                    queue.append(b)
                elif abs(scale[b] - K * scale[a]) > 1e-12 * scale[b]:
                    raise CaseError(f"interfaces: the partition coefficients around a loop of "
                                    f"bonded hosts through {a}–{b} do not multiply to 1")
    return scale
