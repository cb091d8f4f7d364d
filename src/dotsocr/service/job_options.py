"""A job's own settings from its form fields, over the service's defaults."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from dotsocr.errors import DotsOCRError, PageRangeError
from dotsocr.options import ParseOptions
from dotsocr.sources import validate_page_range

if TYPE_CHECKING:
    from starlette.datastructures import FormData

    from dotsocr.service.settings import ServiceSettings

#: Form fields a job may set; anything else is refused, so a typo is not ignored.
JOB_FIELDS = ("pages", "engine", "prompt", "to", "dpi")


class JobOptionsError(ValueError):
    """A form field the service refuses (422), with what to send instead."""


def read_job_fields(form: FormData) -> dict[str, Any]:
    """The job's fields as given (strings, each at most once), empty ones left out."""
    unknown = sorted(set(form.keys()) - {"file", *JOB_FIELDS})
    if unknown:
        raise JobOptionsError(
            f"unknown field(s) {', '.join(unknown)}; a job takes file, {', '.join(JOB_FIELDS)}"
        )
    repeated = sorted(name for name in JOB_FIELDS if len(form.getlist(name)) > 1)
    if repeated:
        raise JobOptionsError(
            f"field(s) given more than once: {', '.join(repeated)}; send each once"
        )
    fields: dict[str, Any] = {}
    for name in JOB_FIELDS:
        value = form.get(name)
        if isinstance(value, str) and value.strip():
            fields[name] = value.strip()
    return fields


def job_options(settings: ServiceSettings, fields: dict[str, Any]) -> ParseOptions:
    """The service's defaults with the job's fields over them. JSON is always
    written: a job resumes from it after a restart, and ``result?format=json``
    reads it."""
    values = settings.defaults.model_dump()
    values["max_pages"] = settings.max_pages
    if "pages" in fields:
        try:
            validate_page_range(fields["pages"])
        except PageRangeError as exc:
            raise JobOptionsError(f"pages: {exc}") from None
        except ValueError:  # int() of a number over Python's 4300-digit limit
            raise JobOptionsError("pages: a page number too large") from None
        values["pages"] = fields["pages"]
    for name in ("engine", "prompt"):
        if name in fields:
            values[name] = fields[name]
    if "dpi" in fields:
        try:
            values["dpi"] = int(fields["dpi"])
        except ValueError:
            raise JobOptionsError("dpi: a whole number, 36 to 1200") from None
    if "to" in fields:
        values["to"] = ["json", *str(fields["to"]).split(",")]
    try:
        return ParseOptions.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise JobOptionsError(problems) from None
    except DotsOCRError as exc:  # a validator's own error (an unknown engine), not a 500
        raise JobOptionsError(str(exc)) from None
