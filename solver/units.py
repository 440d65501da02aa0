"""Physical quantities in case files: a number (SI) or a string with a unit, parsed by pint."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

import pint
from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)


@dataclass(frozen=True)
class QuantityKind:
    """A physical dimension: its name in messages, SI unit and an example value."""

    name: str
    si: str
    example: str


KINDS: dict[str, QuantityKind] = {
    k.name: k
    for k in (
        QuantityKind("length", "m", "250 nm"),
        QuantityKind("time", "s", "10 min"),
        QuantityKind("pressure", "Pa", "50 GPa"),
        QuantityKind("diffusivity", "m^2/s", "1e-15 m^2/s"),
        QuantityKind("concentration", "mol/m^3", "2.6e5 mol/m^3"),
        QuantityKind("molar volume", "m^3/mol", "9.8e-6 m^3/mol"),
        QuantityKind("fracture energy", "J/m^2", "2 J/m^2"),
        QuantityKind("temperature", "K", "25 degC"),
        QuantityKind("density", "kg/m^3", "7287 kg/m^3"),
        QuantityKind("molar mass", "kg/mol", "118.71 g/mol"),
        QuantityKind("rate", "1/s", "1e-3 1/s"),
        QuantityKind("voltage", "V", "0.005 V"),
        QuantityKind("current density", "A/m^2", "1 A/m^2"),
        QuantityKind("specific current", "A/kg", "0.1 A/g"),
        QuantityKind("scan rate", "V/s", "0.1 mV/s"),
        QuantityKind("area resistance", "ohm*m^2", "1e-3 ohm*m^2"),
        QuantityKind("resistivity", "ohm*m", "2e5 ohm*m"),
        QuantityKind("specific capacity", "mA*h/g", "800 mAh/g"),
        QuantityKind("interface resistance", "s/m", "1e6 s/m"),
    )
}


def to_si(kind: QuantityKind, value: Any) -> float:
    """A number (taken as SI) or a string with a unit -> float in the SI unit of `kind`."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)  # '1e-15' (YAML 1.1 reads it as a string)
        except ValueError:
            pass
        try:
            q = ureg.Quantity(value.strip())
            return float(f"{q.to(kind.si).magnitude:.15g}")  # drop conversion noise
        except Exception:  # pint raises many kinds: undefined unit, syntax, dimensionality
            pass
    article = "an" if kind.name[0] in "aeiou" else "a"
    raise PydanticCustomError(
        "quantity",
        "{given} is not {article} {kind}; write e.g. '{example}' or a number in {si}",
        {"given": repr(value), "article": article, "kind": kind.name,
         "example": kind.example, "si": kind.si},
    )


def Quantity(kind: str, **constraints: Any) -> Any:  # noqa: N802 (type factory)
    """Annotated float type for a quantity of `kind` (a key of KINDS), with Field constraints."""
    spec = KINDS[kind]
    extra = (Field(**constraints),) if constraints else ()
    return Annotated[float, BeforeValidator(partial(to_si, spec)), spec, *extra]


_NUM = r"\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?"
_C_RATE = re.compile(rf"^\s*(?P<n>{_NUM})?\s*C\s*(?:/\s*(?P<d>{_NUM}))?\s*$")


CURRENT_UNITS = ("C", "A/kg", "A/m^2")  # C-rate, per mass of active host, per wetted area


def parse_current(value: Any) -> tuple[float, str]:
    """A current as (magnitude, unit): a C-rate (1, '2C', 'C/10'), a specific current
    ('0.1 A/g' -> A/kg) or a current density ('1 A/m^2')."""
    try:
        return parse_c_rate(value), "C"
    except PydanticCustomError:
        pass
    for kind in ("specific current", "current density"):
        try:
            return to_si(KINDS[kind], value), KINDS[kind].si
        except PydanticCustomError:
            pass
    raise PydanticCustomError(
        "c_rate", "{given} is not a current; write a C-rate (1, '2C', 'C/10'), a specific "
        "current ('0.1 A/g') or a current density ('1 A/m^2')", {"given": repr(value)})


def parse_c_rate(value: Any) -> float:
    """C-rate in units of 1/h-capacity: a number, '2C', '2 C' or 'C/10'."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
        m = _C_RATE.match(value)
        if m and (m["n"] is None or m["d"] is None):
            return float(m["n"] or 1.0) / float(m["d"] or 1.0)
    raise PydanticCustomError(
        "c_rate", "{given} is not a C-rate; write e.g. 1, '2C' or 'C/10'", {"given": repr(value)}
    )
