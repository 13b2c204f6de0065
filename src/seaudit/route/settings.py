"""Routing settings from ``seos.ini``, in the sections the product names.

==============  ===========  ========  ==================================================
section         key          default   meaning
==============  ===========  ========  ==================================================
[selogrd]       RouteFile    selogrd.cfg  the route file (relative: beside seos.ini)
[selogrd]       Interval     0.5       seconds between looks at the log when idle
[selogrd]       MaxBackoff   30        most seconds between retries of a down destination
[selogrd]       OnceRetries  3         retries of a failed batch before ``--once`` gives up
[selogrd]       WhenHeldFull refuse    the disk is full and the oldest backup is not yet
                                       routed: ``refuse`` the record, ``stop`` the writer,
                                       or ``drop`` the backup with a record saying so
                                       (``holds.py``)
[ReportAgent]   BatchSize    5000      most records read and sent as one batch
[collectors]    NAME = URL   (none)    destinations a route file names by ``host NAME``
==============  ===========  ========  ==================================================
"""

from __future__ import annotations

import configparser
from dataclasses import dataclass, field
from pathlib import Path

from seaudit.errors import UsageError
from seaudit.route.holds import CHOICES, DEFAULT


@dataclass(frozen=True, slots=True)
class RouteSettings:
    route_file: Path | None = None
    interval: float = 0.5
    max_backoff: float = 30.0
    once_retries: int = 3
    batch_size: int = 5000
    collectors: dict[str, str] = field(default_factory=dict)
    when_held_full: str = DEFAULT

    @classmethod
    def load(cls, ini: Path) -> RouteSettings:
        parser = configparser.ConfigParser(
            interpolation=None, strict=False, inline_comment_prefixes=(";", "#")
        )
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        try:
            with ini.open(encoding="utf-8", errors="replace") as handle:
                parser.read_file(handle)
        except OSError as exc:
            raise UsageError(f"cannot read {ini}: {exc.strerror}") from None
        except configparser.Error as exc:
            raise UsageError(f"{ini}: not an ini file: {exc}") from None
        selogrd = _lower(parser, "selogrd")
        agent = _lower(parser, "ReportAgent")
        route = selogrd.get("routefile")
        collectors = dict(parser["collectors"]) if parser.has_section("collectors") else {}
        return cls(
            route_file=(ini.parent / route.strip()) if route else None,
            interval=_number(ini, "Interval", selogrd.get("interval"), 0.5, float),
            max_backoff=_number(ini, "MaxBackoff", selogrd.get("maxbackoff"), 30.0, float),
            once_retries=int(_number(ini, "OnceRetries", selogrd.get("onceretries"), 3, int)),
            batch_size=int(_number(ini, "BatchSize", agent.get("batchsize"), 5000, int)),
            when_held_full=_choice(ini, selogrd.get("whenheldfull")),
            collectors={k: v.strip() for k, v in collectors.items()},
        )


def _choice(ini: Path, text: str | None) -> str:
    if text is None:
        return DEFAULT
    if text.strip().lower() not in CHOICES:
        raise UsageError(f"{ini}: WhenHeldFull = {text!r}: choose one of {', '.join(CHOICES)}")
    return text.strip().lower()


def _lower(parser: configparser.ConfigParser, section: str) -> dict[str, str]:
    for name in parser.sections():
        if name.lower() == section.lower():
            return {k.lower(): v for k, v in parser[name].items()}
    return {}


def _number(
    ini: Path, key: str, text: str | None, default: float, kind: type[float] | type[int]
) -> float:
    if text is None:
        return default
    try:
        value = kind(text.strip())
    except ValueError:
        raise UsageError(f"{ini}: {key} = {text!r} is not a number") from None
    if (value <= 0 and key != "OnceRetries") or value < 0:
        raise UsageError(f"{ini}: {key} must be more than 0")
    return value
