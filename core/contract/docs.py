"""The contract's column tables for docs/data.md, rendered from the declaration so they cannot
drift (a test checks that the docs hold exactly this text)."""

from __future__ import annotations

from core.contract import CONTRACT
from core.contract.columns import KINDS, Column, Table


def _row(column: Column, table: Table) -> str:
    # In a repeatable table the keys are only what a row must have, never its identity.
    key = column.key and not table.repeatable
    if column.required:
        role = "required key" if key else "required"
    else:
        role = "key if given" if key else "optional"
    cells = (
        f"`{column.name}`",
        KINDS[column.kind],
        column.unit,
        column.dtype or "as read",
        role,
        ", ".join(column.checks()),
        column.description,
    )
    return "| " + " | ".join(cells) + " |"


def table_markdown(table: Table) -> str:
    """One table's columns: name, kind, unit, pandas type, required or key, checks, 설명."""
    lines = [
        f"**`{table.name}`** — {table.description}",
        "",
        "| column | kind | unit | stored as | role | checks | 설명 |",
        "|---|---|---|---|---|---|---|",
        *(_row(column, table) for column in table.columns),
    ]
    return "\n".join(lines) + "\n"


def contract_markdown() -> str:
    """Every contract table's columns, in the contract's order, separated by blank lines."""
    return "\n".join(table_markdown(table) for table in CONTRACT.values())
