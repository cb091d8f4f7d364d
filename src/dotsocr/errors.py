"""The exceptions dotsocr raises: one base, a few branches, each carrying what the
user needs to act. The library never prints; the CLI maps each to one line."""

from __future__ import annotations

from pathlib import Path


class DotsOCRError(Exception):
    """Base of every error dotsocr raises on purpose."""


class InputError(DotsOCRError):
    """An input file cannot be read: missing, corrupt, encrypted, unsupported."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class PasswordError(InputError):
    """The PDF is encrypted and no password, or a wrong one, was given."""


class PageRangeError(DotsOCRError):
    """A --pages expression that cannot be parsed or selects nothing."""


class EngineError(DotsOCRError):
    """An engine cannot be set up or used (missing models, unavailable engine)."""


class LimitError(InputError):
    """An input exceeds a configured limit (size, pages, pixels)."""


class UsageError(DotsOCRError):
    """The run was asked for something it cannot do as given (a bad option, an
    output folder that cannot be written); nothing was parsed."""


class OutputDirError(UsageError):
    """The output folder is in the way, not writable, or on a read-only place."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class InputNotFoundError(InputError, FileNotFoundError):
    """The input file does not exist (``parse()`` raises it; batches record it)."""


class InputReadError(InputError, ValueError):
    """The input exists but cannot be parsed: corrupt, encrypted, unsupported, too big."""


class EngineSetupError(EngineError, UsageError):
    """The engine asked for cannot be built from these options (no server given,
    a prompt it does not support, an unknown engine name)."""
