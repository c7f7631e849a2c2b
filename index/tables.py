"""A table as text the reader can use: one line per row, each value named by its column."""

from __future__ import annotations


def table_rows(rows: list[list[str]]) -> list[str]:
    """One line per row. Under a header row each cell is named by its column, "Country: Russia;
    Minister: Sergei Lavrov.", so the reader sees which value is which; without one, cells joined by "; "."""
    rows = [row for row in rows if any(row)]
    if len(rows) > 1 and all(rows[0]) and len(set(rows[0])) == len(rows[0]):
        header, body = rows[0], rows[1:]
        return ["; ".join(f"{h}: {v}" for h, v in zip(header, row, strict=False) if v) + "." for row in body if any(row)]
    return ["; ".join(v for v in row if v) + "." for row in rows]
