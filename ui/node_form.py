"""A node's settings as a form generated from its node type's config model.

Each field gets the widget its type asks for (a checkbox, a number, a choice, a line of text, or
JSON for lists and nested settings); values go to the config model unchanged, so pydantic's
messages appear next to the field they are about. A field the model marks ``applies_when``
(e.g. the IMAP host, for ``source`` imap only) is shown only while it applies; the settings it
depends on are drawn above the form, so changing them redraws the form at once.
"""

from __future__ import annotations

import json
import types
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal, Union, get_args, get_origin

import streamlit as st
from pydantic.fields import FieldInfo

from engine.service import APPLIES_WHEN, NodeType, WorkflowNode

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
    default: Any = None
    # (setting, the values of it under which this one applies); empty: it always applies.
    applies_when: tuple[tuple[str, tuple[Any, ...]], ...] = ()


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
        default=None if info.is_required() else info.get_default(call_default_factory=True),
        applies_when=_conditions(info),
    )


def _conditions(info: FieldInfo) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    extra = info.json_schema_extra
    when = extra.get(APPLIES_WHEN) if isinstance(extra, dict) else None
    if not isinstance(when, dict):
        return ()
    return tuple(
        (str(name), tuple(values) if isinstance(values, list) else (values,))
        for name, values in when.items()
    )


def controlling(specs: list[FieldSpec]) -> list[FieldSpec]:
    """The settings other settings depend on (in the model's order)."""
    named = {name for spec in specs for name, _ in spec.applies_when}
    return [spec for spec in specs if spec.name in named]


def applies(spec: FieldSpec, values: Mapping[str, Any]) -> bool:
    """Whether ``spec`` applies while the settings have ``values``."""
    return all(values.get(name) in allowed for name, allowed in spec.applies_when)


def shown_specs(specs: list[FieldSpec], config: Mapping[str, Any]) -> list[FieldSpec]:
    """The settings that apply to a node whose settings are ``config`` (defaults filled in)."""
    values = {spec.name: config.get(spec.name, spec.default) for spec in specs}
    return [spec for spec in specs if applies(spec, values)]


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

    A setting with no widget in ``raw`` (one that does not apply now) keeps its stored value,
    and settings the node has that its model does not name are kept, so the model refuses them
    with a message instead of them vanishing silently.
    """
    specs = [spec for spec in specs if spec.name in raw]
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


def _widget(spec: FieldSpec, value: Any, key: str) -> Any:
    """Draw the widget of one setting showing ``value``; return what it holds."""
    label = spec.name.replace("_", " ") + (" *" if spec.required else "")
    if spec.kind == "bool":
        return st.checkbox(label, value=bool(value), key=key, help=spec.help)
    if spec.kind == "choice":
        options = list(spec.choices)
        if value is not None and value not in options:
            options.append(value)  # a stored value outside the offered choices: save says why
        index = options.index(value) if value in options else 0
        return st.selectbox(label, options, index=index, key=key, help=spec.help)
    if spec.kind == "json":
        return st.text_area(label + " (JSON)", value=value, key=key, help=spec.help, height=150)
    if spec.kind == "int" and not isinstance(value, str):
        return st.number_input(label, value=int(value or 0), step=1, key=key, help=spec.help)
    if spec.kind == "float" and not isinstance(value, str):
        return st.number_input(label, value=float(value or 0.0), step=0.5, key=key, help=spec.help)
    return st.text_input(label, value="" if value is None else str(value), key=key, help=spec.help)


def _error(spec: FieldSpec, errors: dict[str, str]) -> None:
    if spec.name in errors:
        st.error(f"{spec.name.replace('_', ' ')}: {errors[spec.name]}")


def render_node_form(
    node: WorkflowNode, specs: list[FieldSpec], form_key: str, errors: dict[str, str]
) -> tuple[str | None, str, dict[str, Any]]:
    """Draw the form; return (the button pressed: ``save``, ``dry_run`` or None, node name,
    raw widget values by field).

    Only the settings that apply are drawn (and so in the raw values); the settings others
    depend on come first, outside the form, so that changing one redraws the form.
    """
    raw: dict[str, Any] = {}
    values = {spec.name: node.config.get(spec.name, spec.default) for spec in specs}
    leading = controlling(specs)
    for spec in leading:
        if applies(spec, values):
            raw[spec.name] = values[spec.name] = _widget(
                spec, _shown(spec, values[spec.name]), f"{form_key}-{spec.name}"
            )
            _error(spec, errors)
    if leading:
        st.caption("Only the settings that apply to these choices are shown below.")
    with st.form(form_key, border=True):
        name = st.text_input("Node name", value=node.name, key=f"{form_key}-name")
        if errors.get(""):
            st.error(errors[""], icon=":material/error:")
        for spec in specs:
            if spec in leading or not applies(spec, values):
                continue
            key = f"{form_key}-{spec.name}"
            # A JSON setting left unset stays empty (its default may not be JSON as such).
            value = node.config.get(spec.name) if spec.kind == "json" else values[spec.name]
            raw[spec.name] = _widget(spec, _shown(spec, value), key)
            _error(spec, errors)
        unknown = [k for k in errors if k and k not in raw]
        for key in unknown:
            st.error(f"{key}: {errors[key]}")
        buttons = st.container(horizontal=True)
        with buttons:
            save = st.form_submit_button(
                "Save as a new version", type="primary", icon=":material/save:"
            )
            dry_run = st.form_submit_button(
                "Dry run these settings",
                icon=":material/science:",
                help="Try these settings on stored emails (in the Dry run section below) "
                "without saving them.",
            )
    return ("save" if save else "dry_run" if dry_run else None), name, raw
