"""The filter of a page, read from its query string with the query CLI's own options (so the
web and ``seaudit --user ... --where ...`` speak one language), and written back into links.

``/?user=adm*&status=D&where=stage >= 100``: each filter option of ``seaudit query`` is a
parameter of the same name (repeat it for "any of"; ``not-user`` and so on for "none of"),
plus ``since``, ``until``, ``where`` and ``a`` (``-a``: every record but user traces)."""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from seaudit.query.spec import FLAG_FIELDS, Filter, filter_from_args
from seaudit.query.timespec import Clock

#: parameters that are part of the filter (the rest say how to show it)
FILTER_PARAMS: tuple[str, ...] = (
    *FLAG_FIELDS,
    *(f"not-{flag}" for flag in FLAG_FIELDS),
    "since",
    "until",
    "where",
    "a",
)


@dataclass(frozen=True, slots=True)
class PageFilter:
    """The filter parameters of a request (empty values dropped), and the parsed filter."""

    params: tuple[tuple[str, str], ...]
    filter: Filter

    def query(self, **extra: str | int | None) -> str:
        """This filter's query string, with ``extra`` (None: left out) appended."""
        pairs = [*self.params, *((k, str(v)) for k, v in extra.items() if v is not None)]
        return urlencode(pairs)


def read_filter(items: Iterable[tuple[str, str]], clock: Clock) -> PageFilter:
    """A request's filter (a ``UsageError`` names what is wrong in it)."""
    params = tuple((k, v) for k, v in items if k in FILTER_PARAMS and v.strip())
    values: dict[str, list[str]] = {}
    for key, value in params:
        values.setdefault(key, []).append(value)
    ns = argparse.Namespace()
    for flag in FLAG_FIELDS:
        dest = flag.replace("-", "_")
        setattr(ns, f"f_{dest}", values.get(flag))
        setattr(ns, f"n_{dest}", values.get(f"not-{flag}"))
    ns.since = _last(values.get("since"))
    ns.until = _last(values.get("until"))
    ns.where = values.get("where")
    ns.classic_all = bool(values.get("a"))
    ns.classic_login = ns.classic_inet = ns.classic_resource = None
    return PageFilter(params, filter_from_args(ns, clock))


def _last(values: Sequence[str] | None) -> str | None:
    return values[-1] if values else None


def form_fields(items: Iterable[tuple[str, str]]) -> Mapping[str, str]:
    """The value each form input shows: what the request gave (the first of repeated
    parameters), even when it is not a valid filter, so it can be corrected."""
    given: dict[str, str] = {}
    for key, value in items:
        if key in FILTER_PARAMS:
            given.setdefault(key, value)
    return {name: given.get(name, "") for name in FILTER_PARAMS}
