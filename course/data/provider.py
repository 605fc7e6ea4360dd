"""A program's provider file: who offers the activity, its dates, any accreditation, and its disclosures.

``course cohort new NAME --provider provider.yaml`` reads it (schema: ``datasets/schemas/provider.schema.json``).
Nothing claims an accreditation the provider did not enter: without an ``accreditation`` entry every page and
certificate says the activity is not accredited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from .files import DataFileError, check, read_yaml

NOT_ACCREDITED = (
    "This activity is not accredited for continuing-education credit: no accreditation was entered by the provider."
)


@dataclass(frozen=True)
class Provider:
    name: str = "KAP for Anxiety (open course)"
    address: str = "no address entered"
    contact: str = "no contact entered"
    start: date | None = None
    end: date | None = None
    statement: str = NOT_ACCREDITED
    credit_type: str = ""
    hours: float | None = None
    modules: tuple[str, ...] = ()
    disclosures: tuple[dict, ...] = field(default_factory=tuple)

    @property
    def accredited(self) -> bool:
        return self.hours is not None

    def disclosures_markdown(self) -> str:
        """The disclosure statement trainees read before module 00 (the cohort's start page, the pre-test and
        module 00)."""
        if not self.disclosures:
            return (
                f"**Disclosures ({self.name}).** No planner, author or faculty disclosures were entered for this "
                f"activity. {self.statement}"
            )
        rows = [
            "| name | role | financial relationships (past 24 months) | how conflicts were mitigated |",
            "|---|---|---|---|",
        ]
        for d in self.disclosures:
            rows.append(
                f"| {d['name']} | {d['role']} | {'; '.join(d['relationships']) or 'none'} | "
                f"{d['mitigation'] or 'not needed'} |"
            )
        return (
            f"**Disclosures ({self.name}).** Everyone who controls the content of this activity disclosed their "
            "financial relationships before taking their role:\n\n" + "\n".join(rows) + "\n\n" + self.statement
        )


def load_provider(path: Path | str | None) -> Provider:
    """The provider in a YAML file, checked against the schema; the default provider (not accredited) for None."""
    if path is None:
        return Provider()
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataFileError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    except yaml.YAMLError as exc:
        raise DataFileError(f"{path.name} is not valid YAML: {exc}") from None
    check(data, "provider", path.name)
    try:
        start, end = date.fromisoformat(data["dates"]["start"]), date.fromisoformat(data["dates"]["end"])
    except ValueError as exc:
        raise DataFileError(f"{path.name}, field dates: {exc}") from None
    if end < start:
        raise DataFileError(f"{path.name}, field dates: the end ({end}) is before the start ({start}).")
    accreditation = data.get("accreditation")
    return Provider(
        name=data["name"],
        address=data["address"],
        contact=data["contact"],
        start=start,
        end=end,
        statement=accreditation["statement"] if accreditation else NOT_ACCREDITED,
        credit_type=accreditation["credit_type"] if accreditation else "",
        hours=float(accreditation["hours"]) if accreditation else None,
        modules=tuple(data.get("modules", ())),
        disclosures=tuple(data["disclosures"]),
    )


def activity() -> dict:
    """The course's practice gap, audience and expected change (``datasets/activity.yaml``)."""
    return read_yaml("activity.yaml", "activity")
