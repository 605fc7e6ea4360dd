"""Where the course's files are.

The data the package reads (``datasets/``: patients, references, claims, thresholds, cases ...) is found
in this order: the folder named by the ``KAP_DATASETS`` variable; ``datasets/`` beside the package in a
checkout of the repository; the copy a non-editable install puts in ``<prefix>/share/kap-anxiety-course/``.
Lessons (``solutions/``) and releases (``modules/``) exist only in a checkout.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

#: The folder above the package: a checkout's root when the package runs from the repository.
CHECKOUT = Path(__file__).resolve().parent.parent
DATASETS_VARIABLE = "KAP_DATASETS"
INSTALLED_DATASETS = Path(sys.prefix) / "share" / "kap-anxiety-course" / "datasets"


class MissingCourseFiles(FileNotFoundError):
    """The course's data (or, outside a checkout, its lessons) cannot be found."""


@cache
def datasets() -> Path:
    """The data folder; a clear error names every place looked in."""
    tried = []
    if os.environ.get(DATASETS_VARIABLE):
        tried.append(Path(os.environ[DATASETS_VARIABLE]))
    tried += [CHECKOUT / "datasets", INSTALLED_DATASETS]
    for folder in tried:
        if (folder / "references.csv").is_file():
            return folder
    raise MissingCourseFiles(
        "The course's data folder was not found. Looked in: "
        + ", ".join(str(f) for f in tried)
        + f". Run from a checkout of the repository, install the package with pip, or set {DATASETS_VARIABLE} "
        "to the folder that holds references.csv."
    )


def dataset(name: str) -> Path:
    """A file in the data folder, e.g. ``dataset("references.csv")`` or ``dataset("cases/capstone.json")``."""
    return datasets() / name


def checkout() -> Path:
    """The repository root, for the authoring tools (lessons in solutions/, releases in modules/)."""
    if not (CHECKOUT / "solutions").is_dir():
        raise MissingCourseFiles(
            f"{CHECKOUT} is not a checkout of the course repository (it has no solutions/ "
            "folder): the authoring tools work in a clone of the repository."
        )
    return CHECKOUT
