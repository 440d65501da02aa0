"""The generated case-file reference lists every key the schema accepts, model by model."""

import re
import types
from typing import Annotated, Union, get_args, get_origin

from pydantic import BaseModel

from solver.case import reference_markdown
from solver.schema import STEP_KINDS, Case, Step


def models(tp, found: list) -> list:
    """Every pydantic model reachable from the annotation ``tp``, each once."""
    origin = get_origin(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        if tp not in found:
            found.append(tp)
            for field in tp.model_fields.values():
                models(field.annotation, found)
    elif origin in (Annotated, Union, types.UnionType, list, tuple, dict):
        for arg in get_args(tp):
            models(arg, found)
    return found


def sections(text: str) -> list[tuple[str, set[str]]]:
    """(title, keys of its table) of every section of the reference."""
    parts = re.split(r"^## ", text, flags=re.M)[1:]
    return [(part.splitlines()[0], set(re.findall(r"^\| `([^`]+)` \|", part, flags=re.M)))
            for part in parts]


def test_every_model_has_a_section_with_all_its_keys():
    text = reference_markdown()
    documented = sections(text)
    reachable = models(Case, [])
    assert len(reachable) > 20  # geometries, materials, physics, protocol, solver, output, ...
    for model in reachable:
        if model is Step:
            continue
        keys = set(model.model_fields)
        assert any(keys <= listed for _, listed in documented), \
            f"{model.__name__}: no section lists all of {sorted(keys)}"


def test_protocol_step_forms_cover_every_step_key():
    """Steps are written in their YAML forms ({insert: {c_rate: 1}, until: {soc: 0.9}}): every
    kind, every key inside a kind and every until limit of the model appears."""
    text = reference_markdown()
    steps = text[text.index("## `protocol.steps[]`"):]
    steps = steps[:steps.index("\n## ", 1)]
    for kind in STEP_KINDS:
        assert f"`{kind}`" in steps and f"{{{kind}:" in steps, kind
    for key in Step.model_fields:
        if key == "kind":
            continue
        if key.startswith("until_"):
            assert f"`{key.removeprefix('until_')}`" in steps, key
        else:
            assert f"{key}:" in steps or f"`{key}`" in steps, key
