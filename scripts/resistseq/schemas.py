"""JSON-schema helpers shared by the config, sample-sheet and hypotheses checks (light: no data readers)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

import jsonschema
import yaml


def load_yaml(path: str | os.PathLike) -> Any:
    with open(path) as handle:
        return yaml.safe_load(handle)


def _key_path(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def schema_errors(data: Any, schema: Mapping, source: str) -> list[str]:
    """Messages for every violation of ``schema`` in ``data``, naming the key."""
    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class(schema)
    messages = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        hint = error.schema.get("description", "") if isinstance(error.schema, dict) else ""
        message = f"{source}: key '{_key_path(error.absolute_path)}': {error.message}."
        if hint:
            message += f" Expected: {hint}"
        messages.append(message)
    return messages


def with_schema_defaults(data: Any, schema: Mapping) -> Any:
    """A copy of ``data`` with every ``default`` of ``schema`` filled in, as snakemake.utils.validate does.

    For files the workflow reads beside the config (the hypotheses file); ``data`` must already be valid.
    """
    import copy

    validator_class = jsonschema.validators.validator_for(schema)
    check_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, subschema):
        if isinstance(instance, dict):
            for name, spec in properties.items():
                if isinstance(spec, dict) and "default" in spec:
                    instance.setdefault(name, copy.deepcopy(spec["default"]))
        yield from check_properties(validator, properties, instance, subschema)

    filled = copy.deepcopy(data)
    jsonschema.validators.extend(validator_class, {"properties": set_defaults})(schema).validate(filled)
    return filled
