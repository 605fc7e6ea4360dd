"""Popular claims about ketamine for anxiety, each with one verdict and its basis (``datasets/claims.csv``).

One table for every module: the seed article's claims (Module 00) and the timing claims of popular KAP
accounts (Module 03). The verdicts and what each means are in ``datasets/verdicts.csv``.

Each claim has two texts: ``evidence`` tells which studies lie behind it (design, size, population, what
they measured and found) without judging them, so a trainee can weigh the claim before seeing the course's
verdict; ``basis`` says why the course gives its verdict, and is shown after the trainee has answered.
"""

from __future__ import annotations

from functools import cache

from .files import read_csv
from .references import check_citations


@cache
def _verdicts() -> dict[str, str]:
    return {row["verdict"]: row["meaning"] for row in read_csv("verdicts.csv", "verdicts")}


def verdicts() -> dict[str, str]:
    """Each verdict a claim can get, with what it means, from strongest to weakest support."""
    return dict(_verdicts())


@cache
def _claims() -> tuple[dict, ...]:
    rows = read_csv("claims.csv", "claims")
    codes = [row["code"] for row in rows]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        raise ValueError(f"claims.csv: the code {code!r} appears twice.")
    for row in rows:
        for column in ("evidence", "basis"):
            check_citations(row[column], f"claims.csv, claim {row['code']!r}, {column}")
        named = [v for v in _verdicts() if v in row["evidence"].lower()]
        if named:
            raise ValueError(
                f"claims.csv, claim {row['code']!r}, evidence: it names the verdict {named[0]!r}; "
                "the evidence column describes the studies and leaves the verdict to the trainee."
            )
    return tuple(rows)


def claims(*codes: str):
    """The claims as a table indexed by code (columns claim, said_in, verdict, evidence, basis); all, or those
    named."""
    import pandas as pd  # start-up cost: pandas only when a table is asked for

    table = pd.DataFrame(list(_claims())).drop(columns="facts").set_index("code")
    unknown = [c for c in codes if c not in table.index]
    if unknown:
        raise ValueError(f"No claim {', '.join(map(repr, unknown))}; the codes are {', '.join(table.index)}.")
    return table.loc[list(codes)] if codes else table
