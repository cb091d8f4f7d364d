"""``--help`` that reads well at 80 columns: plain metavars instead of type names.

Typer shows ``<bool>`` after flags, ``<list[Path]>`` after arguments and
``{INPUT}...`` in the usage line. Commands built with :class:`PlainHelpCommand`
show nothing after a flag, an argument's metavar as given, the choices of an enum
option as ``a|b|c``, and any other option's metavar.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any

from typer.core import TyperArgument, TyperCommand, TyperOption


def plain_type(param: TyperArgument | TyperOption, ctx: Any) -> str | None:
    """What the help shows after a parameter's name, or None for nothing."""
    if isinstance(param, TyperArgument):
        return None  # its name column already shows the metavar
    if param.is_bool_flag:
        return None
    if param.metavar is not None:
        return param.metavar
    described = param.type_descriptor
    if described.is_choice:
        return "|".join(str(getattr(c, "value", c)) for c in described.choices or ())
    return param.display_type(ctx).strip("<>").upper()


class PlainHelpCommand(TyperCommand):
    """A Typer command whose help lists parameters with plain metavars."""

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        for param in params:
            if isinstance(param, (TyperArgument, TyperOption)):
                param.display_type_rich = _bound(plain_type, param)  # type: ignore[method-assign]
        return params

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = param.metavar or param.name or ""
                pieces.append(name if param.required else f"[{name}]")
        return pieces


def _bound(function: Any, param: TyperArgument | TyperOption) -> Any:
    return lambda ctx: function(param, ctx)


def choice_enum(name: str, values: Iterable[str]) -> Any:
    """A string Enum for a Typer option's choices, made from names kept where they
    belong (a ``Literal`` of the options, the engine registry), so the CLI never
    repeats them. Members are named by their values: ``Choice("pipe")``."""
    return Enum(name, {value: value for value in values}, type=str)
