"""Writing the course's generated CSV files reproducibly."""
from __future__ import annotations

import csv
from pathlib import Path


def write_rows(path: Path | str, columns, rows) -> Path:
    """Write rows as CSV with Unix line endings and no timestamps: the same rows give the same bytes."""
    path = Path(path)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path
