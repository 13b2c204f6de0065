"""The route file (``selogrd.cfg`` style): which records go where.

A file is a list of blocks; each block starts with a name line (``rule``, ``Rule2``: any one
word) and ends with a line holding ``.``. Inside, one statement a line (a line starting
with ``#`` or ``;`` is a comment)::

    # the product's minimal form: every record
    rule
    host nats://127.0.0.1:4222/audit
    .

    web-failures
    host file:///var/log/seaudit/web.cef?format=cef
    host exec:/usr/local/bin/ship --quiet
    # selectors: KEY PATTERN[,PATTERN...]; exclude KEY PATTERN[,...]: never these
    event login,resource
    status D,W
    node web*
    exclude user _CRONJOB_,daemon
    # how exec: destinations get the records (default jsonl)
    format cef
    .

Destinations: ``host URL`` (``nats://``, ``syslog+tcp://``, ``syslog+tls://``, ``file://``,
``exec:``), or ``host NAME`` for a collector named in seos.ini ``[collectors]``. ``notify``
lines (the product's notification routes) are read and ignored: seaudit writes no
notification records. Selector keys: ``event``, ``class``, ``resource``, ``user``,
``status``, ``node``; ``include KEY ...`` is the same as ``KEY ...``. Patterns are
case-sensitive shell wildcards (``*``, ``?``, ``[...]``). A record goes to a rule's
destinations when it matches every include line (any pattern of the line) and no exclude
line. A destination named by several rules gets a record once, when any of them selects it.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from seaudit.errors import UsageError
from seaudit.schema.record import AuditRecord

SELECTOR_KEYS = ("event", "class", "resource", "user", "status", "node")
URL_PREFIXES = ("nats://", "syslog+tcp://", "syslog+tls://", "syslog+udp://", "file://", "exec:")


@dataclass(frozen=True, slots=True)
class Selector:
    key: str
    patterns: tuple[str, ...]
    regex: re.Pattern[str] = field(compare=False)

    @classmethod
    def of(cls, key: str, patterns: tuple[str, ...]) -> Selector:
        joined = "|".join(f"(?:{fnmatch.translate(p)})" for p in patterns)
        return cls(key, patterns, re.compile(joined))

    def matches(self, record: AuditRecord, node: str) -> bool:
        if self.key == "node":
            value = record.origin.node if record.origin and record.origin.node else node
        else:
            value = record.get(self.key)
        return value is not None and self.regex.match(str(value)) is not None


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    line: int
    destinations: tuple[str, ...]
    include: tuple[Selector, ...] = ()
    exclude: tuple[Selector, ...] = ()
    format: str = "jsonl"

    def selects(self, record: AuditRecord, node: str) -> bool:
        return all(s.matches(record, node) for s in self.include) and not any(
            s.matches(record, node) for s in self.exclude
        )

    @property
    def selects_all(self) -> bool:
        return not self.include and not self.exclude


@dataclass(frozen=True, slots=True)
class RouteTable:
    """Rules by destination: what each destination is sent."""

    rules: tuple[Rule, ...]

    def destinations(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for rule in self.rules:
            seen.update(dict.fromkeys(rule.destinations))
        return tuple(seen)

    def selector(self, destination: str) -> Callable[[AuditRecord, str], bool] | None:
        """The test a record must pass for ``destination`` (None: every record)."""
        rules = [r for r in self.rules if destination in r.destinations]
        if any(r.selects_all for r in rules):
            return None
        return lambda record, node: any(r.selects(record, node) for r in rules)

    def format_for(self, destination: str) -> str:
        return next(r.format for r in self.rules if destination in r.destinations)


def parse_rules(text: str, source: str, named: Mapping[str, str] | None = None) -> RouteTable:
    """The rules of a route file; UsageError names the file, line and what is wrong."""
    rules: list[Rule] = []
    block: _Block | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue

        def bad(why: str, n: int = number) -> UsageError:
            return UsageError(f"{source}:{n}: {why}")

        if block is None:
            if len(line.split()) != 1 or line == ".":
                raise bad(f"expected a rule name line (such as 'rule'), found {_show(line)}")
            block = _Block(line, number)
            continue
        if line == ".":
            rules.append(block.finish())
            block = None
            continue
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        if word == "host":
            block.destinations.append(_destination(rest, named or {}, bad))
        elif word == "notify":
            continue
        elif word == "format":
            if not rest or " " in rest:
                raise bad("format takes one format name (seaudit formats lists them)")
            from seaudit.export import get_format

            get_format(rest)
            block.format = rest
        elif word in ("include", "exclude"):
            key, _, patterns = rest.partition(" ")
            chosen = block.include if word == "include" else block.exclude
            chosen.append(_selector(key, patterns, bad))
        elif word in SELECTOR_KEYS:
            block.include.append(_selector(word, rest, bad))
        else:
            raise bad(
                f"unknown statement {_show(word)} (host, notify, format, include, exclude, "
                + ", ".join(SELECTOR_KEYS)
                + ")"
            )
    if block is not None:
        raise UsageError(f"{source}:{block.line}: rule {block.name!r} has no closing '.'")
    return RouteTable(tuple(rules))


def load_rules(path: Path, named: Mapping[str, str] | None = None) -> RouteTable:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read route file {path}: {exc}") from None
    return parse_rules(text, str(path), named)


@dataclass(slots=True)
class _Block:
    """A rule being read."""

    name: str
    line: int
    destinations: list[str] = field(default_factory=list)
    include: list[Selector] = field(default_factory=list)
    exclude: list[Selector] = field(default_factory=list)
    format: str = "jsonl"

    def finish(self) -> Rule:
        return Rule(
            self.name,
            self.line,
            tuple(self.destinations),
            tuple(self.include),
            tuple(self.exclude),
            self.format,
        )


def _destination(text: str, named: Mapping[str, str], bad: Callable[..., UsageError]) -> str:
    if not text:
        raise bad("host needs a destination (a URL, or a collector named in seos.ini)")
    if text.startswith(URL_PREFIXES):
        return text
    if "://" in text:
        raise bad(f"unknown destination scheme in {_show(text)} (" + ", ".join(URL_PREFIXES) + ")")
    if text in named:
        return named[text]
    raise bad(f"no collector named {_show(text)} (name it in seos.ini [collectors], or give a URL)")


def _selector(key: str, patterns: str, bad: Callable[..., UsageError]) -> Selector:
    if key not in SELECTOR_KEYS:
        raise bad(f"unknown selector {_show(key)} (" + ", ".join(SELECTOR_KEYS) + ")")
    items = tuple(p.strip() for p in patterns.split(",") if p.strip())
    if not items:
        raise bad(f"{key} needs at least one pattern")
    return Selector.of(key, items)


def _show(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")
