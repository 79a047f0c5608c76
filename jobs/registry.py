"""The kinds of job: each names the builder that makes its file.

A builder is `builder(job, params, progress) -> Output`. It calls the app's existing service function
(the same one a management command uses) and reports progress with `progress(done, total)` when it
knows how far it is. It raises `JobError` with a Japanese message the requester may read; any other
exception is logged with its traceback and the requester gets a generic message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

Progress = Callable[[int, int], None]


class JobError(Exception):
    """A failure the requester can act on; its message (Japanese, no personal data) is shown."""


@dataclass(frozen=True)
class Output:
    content: bytes | IO[bytes]
    filename: str
    content_type: str


@dataclass(frozen=True)
class Kind:
    name: str
    builder: Callable[[Any, dict, Progress], Output]
    personal_data: bool = False


KINDS: dict[str, Kind] = {}


def register(name: str, *, personal_data: bool = False):
    """Decorator: `@register("surveys.answers_excel")` on a builder. `personal_data` marks files whose
    download is recorded in the audit trail."""

    def decorator(builder):
        if name in KINDS and KINDS[name].builder is not builder:
            raise ValueError(f"job kind {name!r} registered twice")
        KINDS[name] = Kind(name=name, builder=builder, personal_data=personal_data)
        return builder

    return decorator


def get(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise LookupError(f"unknown job kind {name!r}") from None
