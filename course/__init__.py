"""KAP for Anxiety: the course's machinery, imported by every module notebook.

Educational material only: nothing here is clinical decision support, and no function
recommends a dose or a treatment for a person.
"""
from pathlib import Path

__version__ = "0.1.0"

#: The repository root (the folder holding ``course/``, ``datasets/``, ``modules/``).
ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT / "datasets"
