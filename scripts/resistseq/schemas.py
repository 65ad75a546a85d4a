"""JSON-schema helpers shared by the config, sample-sheet and hypotheses checks (light: no data readers)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

CONFIG_SCHEMA = Path(__file__).resolve().parents[2] / "config" / "schemas" / "config.schema.yaml"


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

    The config and the files the workflow reads beside it (the hypotheses file); check ``data`` with
    ``schema_errors`` first: an invalid part is left as it is.
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
    # Filling happens as the validator walks the data; problems are schema_errors' to report, not ours.
    for _ in jsonschema.validators.extend(validator_class, {"properties": set_defaults})(schema).iter_errors(filled):
        pass
    return filled


def config_defaults() -> dict:
    """The schema's defaults (config/schemas/config.schema.yaml) for every key that has one."""
    return with_schema_defaults({}, load_yaml(CONFIG_SCHEMA))
