"""A node's settings as a form generated from its node type's config model.

Each field gets the widget its type asks for (a checkbox, a number, a choice, a line of text, or
JSON for lists and nested settings); values go to the config model unchanged, so pydantic's
messages appear next to the field they are about.
"""

from __future__ import annotations

import json
import types
from dataclasses import dataclass, replace
from typing import Any, Literal, Union, get_args, get_origin

import streamlit as st
from pydantic.fields import FieldInfo

from engine.service import NodeType, WorkflowNode

Kind = Literal["bool", "int", "float", "choice", "text", "json"]


@dataclass(frozen=True)
class FieldSpec:
    """How one setting is edited: its widget kind, choices, and whether it may be empty."""

    name: str
    kind: Kind
    optional: bool
    required: bool
    choices: tuple[Any, ...] = ()
    help: str | None = None


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(args) < len(get_args(annotation)):
            return args[0], True
    return annotation, False


def field_spec(name: str, info: FieldInfo) -> FieldSpec:
    """The widget for a config model's field."""
    annotation, optional = _unwrap_optional(info.annotation)
    kind: Kind
    choices: tuple[Any, ...] = ()
    if get_origin(annotation) is Literal:
        kind, choices = "choice", tuple(get_args(annotation))
    elif annotation is bool:
        kind = "bool"
    elif annotation is int:
        kind = "int"
    elif annotation is float:
        kind = "float"
    elif annotation is str:
        kind = "text"
    else:
        kind = "json"
    return FieldSpec(
        name=name,
        kind=kind,
        optional=optional,
        required=info.is_required(),
        choices=choices,
        help=info.description,
    )


def specs_for(node_type: NodeType[Any]) -> list[FieldSpec]:
    """One field spec per setting of the node type's config model."""
    model = node_type.config_model
    return [field_spec(name, info) for name, info in model.model_fields.items()]


def narrowed(specs: list[FieldSpec], choices: dict[str, list[str]]) -> list[FieldSpec]:
    """``specs`` with the choices of some fields limited to ``choices`` (what the engine is
    configured for); a stored value outside them stays shown so the save can say why."""
    return [
        replace(spec, choices=tuple(c for c in spec.choices if c in choices[spec.name]))
        if spec.kind == "choice" and spec.name in choices
        else spec
        for spec in specs
    ]


def _shown(spec: FieldSpec, value: Any) -> Any:
    """The widget's initial value for a stored setting."""
    if spec.kind == "json":
        return "" if value is None else json.dumps(value, indent=2)
    if spec.kind in ("int", "float", "text") and (spec.optional or value is None):
        return "" if value is None else str(value)
    return value


def parse_value(spec: FieldSpec, raw: Any) -> tuple[Any, str | None]:
    """The setting to store from a widget's value, or an error for text that is not JSON.

    Empty text means "not set" (None) for an optional field and "leave out" (the default) for
    one that has a default; numbers typed as text are left to the config model to check.
    """
    if spec.kind == "json":
        text = str(raw).strip()
        if not text:
            return None, None
        try:
            return json.loads(text), None
        except json.JSONDecodeError as exc:
            return None, f"not valid JSON: {exc.msg} (line {exc.lineno})"
    if isinstance(raw, str) and spec.kind in ("int", "float", "text") and raw.strip() == "":
        return None, None
    return raw, None


def collect(
    specs: list[FieldSpec], raw: dict[str, Any], current: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The new config from the widgets' values, and errors found before the model sees it.

    Settings the node has that its model does not name are kept, so the model refuses them
    with a message instead of them vanishing silently.
    """
    names = {spec.name for spec in specs}
    config = {key: value for key, value in current.items() if key not in names}
    errors: dict[str, str] = {}
    for spec in specs:
        value, error = parse_value(spec, raw.get(spec.name))
        if error:
            errors[spec.name] = error
        elif value is not None or spec.optional:
            config[spec.name] = value
    return config, errors


def render_node_form(
    node: WorkflowNode, specs: list[FieldSpec], form_key: str, errors: dict[str, str]
) -> tuple[bool, str, dict[str, Any]]:
    """Draw the form; return (submitted, node name, raw widget values by field)."""
    raw: dict[str, Any] = {}
    with st.form(form_key, border=True):
        name = st.text_input("Node name", value=node.name, key=f"{form_key}-name")
        if errors.get(""):
            st.error(errors[""], icon=":material/error:")
        for spec in specs:
            label = spec.name.replace("_", " ") + (" *" if spec.required else "")
            key = f"{form_key}-{spec.name}"
            value = _shown(spec, node.config.get(spec.name))
            if spec.kind == "bool":
                raw[spec.name] = st.checkbox(label, value=bool(value), key=key, help=spec.help)
            elif spec.kind == "choice":
                options = list(spec.choices)
                if value is not None and value not in options:
                    options.append(value)
                index = options.index(value) if value in options else 0
                raw[spec.name] = st.selectbox(label, options, index=index, key=key, help=spec.help)
            elif spec.kind == "json":
                raw[spec.name] = st.text_area(
                    label + " (JSON)", value=value, key=key, help=spec.help, height=150
                )
            elif spec.kind in ("int", "float") and not isinstance(value, str):
                if spec.kind == "int":
                    raw[spec.name] = st.number_input(
                        label, value=int(value or 0), step=1, key=key, help=spec.help
                    )
                else:
                    raw[spec.name] = st.number_input(
                        label, value=float(value or 0.0), step=0.5, key=key, help=spec.help
                    )
            else:
                raw[spec.name] = st.text_input(
                    label, value="" if value is None else str(value), key=key, help=spec.help
                )
            if spec.name in errors:
                st.error(f"{spec.name.replace('_', ' ')}: {errors[spec.name]}")
        unknown = [k for k in errors if k and k not in {s.name for s in specs}]
        for key in unknown:
            st.error(f"{key}: {errors[key]}")
        submitted = st.form_submit_button(
            "Save as a new version", type="primary", icon=":material/save:"
        )
    return submitted, name, raw
