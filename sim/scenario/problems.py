"""Turn pydantic validation errors into :class:`~sim.errors.Problem` lines a person can act on:
the field path as written in the file (no internal union tags), the line, and a message with a
"did you mean" for misspelt keys."""

from __future__ import annotations  # noqa: I001  (schema before hazard_schema, below)

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import FieldProblem, Problem, shown
from .schema import ScenarioSpec  # first: it imports the hazard models at its end
from .hazard_schema import HAZARD_KINDS
from .yamlio import YamlDocument

__all__ = ["problems_from_validation", "validated_file"]


def _unwrap(annotation: Any) -> list[Any]:
    """Model classes reachable one level down an annotation (through Optional, list, dict)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (list, tuple, typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _unwrap(arg)]
    if origin is dict:
        return _unwrap(typing.get_args(annotation)[1])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return []


def _kind_of(model: type[BaseModel]) -> tuple[str, ...]:
    field = model.model_fields.get("kind")
    return typing.get_args(field.annotation) if field is not None else ()


def _model_at(loc: tuple[Any, ...], root: type[BaseModel] = ScenarioSpec) -> type[BaseModel] | None:
    """The model class whose fields live at ``loc`` (for 'did you mean' suggestions)."""
    models: list[type[BaseModel]] = [root]
    for part in loc:
        if not models:
            return None
        if isinstance(part, int):
            continue
        tagged = [m for m in models if part in _kind_of(m)]
        if len(models) > 1 and tagged:  # a discriminated union: the tag picks the member
            models = tagged
            continue
        fields = {(f.alias or name): f for name, f in models[0].model_fields.items()}
        if part in fields:
            models = _unwrap(fields[part].annotation)
        # otherwise a dict key (an incident type name): stay on the value model
    return models[0] if len(models) == 1 else None


def _without_tags(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop the discriminator tags pydantic puts in the path (``hazards[0].typhoon.x``)."""
    out: list[Any] = []
    for k, part in enumerate(loc):
        if k >= 2 and isinstance(loc[k - 1], int) and loc[k - 2] == "hazards" and part in HAZARD_KINDS:
            continue
        out.append(part)
    return tuple(out)


def _allowed_keys(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def problems_from_validation(exc: ValidationError, file: str, doc: YamlDocument | None,
                              prefix: tuple[Any, ...] = (),
                              root: type[BaseModel] = ScenarioSpec) -> list[Problem]:
    """One problem per validation error; ``root`` is the model of the whole file (for the
    allowed keys and "did you mean" of an unknown key)."""
    problems = []
    for err in exc.errors():
        raw_loc = prefix + tuple(p for p in err["loc"] if p != "[key]")
        loc = _without_tags(raw_loc)
        ctx = err.get("ctx") or {}
        cause = ctx.get("error")
        if isinstance(cause, FieldProblem):
            loc = loc + tuple(cause.subpath)
            message = str(cause)
        elif err["type"] == "union_tag_invalid":
            loc = loc + ("kind",)
            message = f"unknown kind {shown(ctx.get('tag'))} (use one of: {ctx.get('expected_tags')})"
        elif err["type"] == "union_tag_not_found":
            loc = loc + ("kind",)
            message = f"required field is missing (use one of: {', '.join(HAZARD_KINDS)})"
        elif err["type"] == "dict_type" or err["msg"].startswith("Keys should be strings"):
            message = (err["msg"] + "; YAML reads unquoted on/off/yes/no/true/false keys as "
                       "booleans: quote the key")
        elif err["type"] == "extra_forbidden":
            model = _model_at(raw_loc[:-1], root)
            message = "unknown key"
            if model is not None:
                allowed = _allowed_keys(model)
                close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
                message += f" (did you mean {close[0]!r}?)" if close else ""
                message += f"; allowed keys: {', '.join(allowed)}"
        elif err["type"] == "missing":
            message = "required field is missing"
        else:
            message = err["msg"].removeprefix("Value error, ")
            value = err.get("input")
            if isinstance(value, (str, int, float, bool)) and err["type"] != "value_error":
                message += f" (got {shown(value)})"
        line = doc.line_of(loc) if doc is not None else None
        problems.append(Problem(file, loc, message, line))
    return problems


def validated_file(source: object, root: type[BaseModel], what: str
                   ) -> tuple[Any, Any, str, YamlDocument | None]:
    """An experiment, optimisation or other file (a path) or mapping validated against ``root``:
    (the model, the path or None, the label problems name, the parsed document). Raises
    ``ScenarioError`` (``what`` file) listing every problem with its field and line."""
    from pathlib import Path

    from ..errors import ScenarioError
    from .yamlio import read_yaml_mapping

    path = None
    doc = None
    if isinstance(source, dict):
        raw: object = source
        label = f"<{what}>"
    else:
        path = Path(str(source))
        label = str(path)
        doc = read_yaml_mapping(path, what)
        raw = doc.data
    try:
        model = root.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(problems_from_validation(exc, label, doc, root=root), what) from None
    return model, path, label, doc
