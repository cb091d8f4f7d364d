"""CLI commands of the operations tools (doctor, serve, bench, cost)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the operations commands to the ``dotsocr`` app."""
