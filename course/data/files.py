"""Reading the course's data files against their schemas, and writing generated CSV files reproducibly.

Every file under ``datasets/`` that the course reads has a JSON Schema in ``datasets/schemas/``; a file
that does not match raises :class:`DataFileError` naming the file and the field, for example
``patients.yaml, field P07.vitals.sbp: 'high' is not of type 'integer'``.
"""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path

import jsonschema_rs
import yaml

from ..paths import dataset


class DataFileError(ValueError):
    """A data file that is missing, unreadable or does not match its schema."""


@cache
def schema(name: str) -> dict:
    """The JSON Schema ``datasets/schemas/NAME.schema.json``."""
    return json.loads(dataset(f"schemas/{name}.schema.json").read_text(encoding="utf-8"))


def _field(path) -> str:
    parts = []
    for part in path:
        parts.append(
            f"[{part}]"
            if isinstance(part, int) and not parts
            else f"[{part}]"
            if isinstance(part, int)
            else f".{part}"
            if parts
            else str(part)
        )
    return "".join(parts) or "(the whole record)"


@cache
def _validator(schema_name: str, part: str | None):
    whole = schema(schema_name)
    if part is not None:  # one definition of the schema, e.g. a single record
        whole = {"$defs": whole["$defs"], "$ref": f"#/$defs/{part}"}
    # jsonschema-rs checks JSON Schema draft 2020-12 like the python-jsonschema package and imports in a blink
    # (that package's optional format checkers take seconds to import, in every kernel).
    return jsonschema_rs.Draft202012Validator(whole)


def check(data, schema_name: str, where: str, part: str | None = None):
    """Validate ``data`` against a schema (or its definition ``part``); return it, or raise DataFileError
    naming ``where`` and the field."""
    validator = _validator(schema_name, part)
    errors = sorted(validator.iter_errors(data), key=lambda e: (len(e.instance_path), list(map(str, e.instance_path))))
    if errors:
        first = errors[0]
        path = list(first.instance_path)
        # Name records by their id where there is one (``P07.vitals.sbp`` reads better than ``[6].vitals.sbp``).
        if (
            path
            and isinstance(path[0], int)
            and isinstance(data, list)
            and isinstance(data[path[0]], dict)
            and "id" in data[path[0]]
        ):
            path[0] = data[path[0]]["id"]
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise DataFileError(f"{where}, field {_field(path)}: {first.message}{more}")
    return data


def _read(name: str) -> str:
    path = dataset(name)
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(f"{name} cannot be read: {exc.strerror or exc}") from None


def read_yaml(name: str, schema_name: str):
    """A YAML data file, checked against its schema."""
    try:
        data = yaml.safe_load(_read(name))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark else ""
        raise DataFileError(f"{name} is not valid YAML{line}: {getattr(exc, 'problem', exc)}") from None
    return check(data, schema_name, name)


def read_json(name: str, schema_name: str):
    """A JSON data file, checked against its schema."""
    try:
        data = json.loads(_read(name))
    except json.JSONDecodeError as exc:
        raise DataFileError(f"{name} is not valid JSON (line {exc.lineno}): {exc.msg}") from None
    return check(data, schema_name, name)


def read_csv(name: str, schema_name: str) -> list[dict]:
    """A CSV data file as a list of rows (text values), each row checked against the schema's ``items``."""
    rows = list(csv.DictReader(_read(name).splitlines()))
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        try:
            check(row, schema_name, name)
        except DataFileError as exc:
            raise DataFileError(str(exc).replace(f"{name}, ", f"{name}, line {number}, ", 1)) from None
    return rows


def write_rows(path: Path | str, columns, rows) -> Path:
    """Write rows as CSV with Unix line endings and no timestamps: the same rows give the same bytes."""
    path = Path(path)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path
