"""Log configuration: the product's ``seos.ini [logmgr]`` names, plus three keys of our own.

Product keys: ``audit_log``, ``audit_back``, ``audit_size`` (KB, minimum 50, writing stops past
2 GB so the size is capped there), ``audit_max_files`` (0 = keep all), ``BackUp_Date``
(none/no/yes/daily/weekly/monthly). Ours: ``flush`` (``record``, ``every:N``, ``ms:T``),
``on_full`` (``refuse`` or ``rotate``) and ``hmac_key_file``.
A relative ``audit_log`` is taken from the ini file's directory; a relative ``audit_back`` from
the directory of ``audit_log`` (the product keeps both in its ``log/`` directory).
"""

from __future__ import annotations

import configparser
from dataclasses import dataclass, field, replace
from pathlib import Path

from seaudit.errors import LogKeyError, UsageError

MIN_SIZE_KB = 50
MAX_SIZE_KB = 2 * 1024 * 1024
BACKUP_MODES = ("none", "no", "yes", "daily", "weekly", "monthly")
ON_FULL = ("refuse", "rotate")
DEFAULT_LOG = Path("log/seos.audit")


@dataclass(frozen=True, slots=True)
class FlushPolicy:
    """When appended records are forced to stable storage (fdatasync).

    Every record is handed to the kernel before ``append`` returns, so a killed process loses
    nothing that ``append`` acknowledged; the policy bounds what a power cut or OS crash loses.
    """

    kind: str = "record"  # record | every | ms
    value: int = 1

    @classmethod
    def parse(cls, text: str) -> FlushPolicy:
        word = text.strip().lower()
        if word in ("record", "every:1"):
            return cls("record", 1)
        kind, sep, number = word.partition(":")
        if sep and kind in ("every", "ms") and number.isdigit() and int(number) > 0:
            return cls(kind, int(number))
        raise UsageError(f"flush = {text!r}: expected record, every:N or ms:T (N, T > 0)")

    def __str__(self) -> str:
        return "record" if self.kind == "record" else f"{self.kind}:{self.value}"


@dataclass(frozen=True, slots=True)
class LogConfig:
    audit_log: Path = DEFAULT_LOG
    audit_back: Path = Path("seos.audit.bak")
    audit_size: int = 1024
    audit_max_files: int = 50
    backup_date: str = "no"
    flush: FlushPolicy = field(default_factory=FlushPolicy)
    on_full: str = "refuse"
    hmac_key_file: Path | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "audit_log", Path(self.audit_log))
        back = Path(self.audit_back)
        if not back.is_absolute():
            back = self.audit_log.parent / back
        object.__setattr__(self, "audit_back", back)
        size = min(max(int(self.audit_size), MIN_SIZE_KB), MAX_SIZE_KB)
        object.__setattr__(self, "audit_size", size)
        if isinstance(self.flush, str):
            object.__setattr__(self, "flush", FlushPolicy.parse(self.flush))
        mode = self.backup_date.strip().lower()
        if mode not in BACKUP_MODES:
            raise UsageError(
                f"BackUp_Date = {self.backup_date!r}: expected one of " + ", ".join(BACKUP_MODES)
            )
        object.__setattr__(self, "backup_date", mode)
        if self.on_full not in ON_FULL:
            raise UsageError(f"on_full = {self.on_full!r}: expected refuse or rotate")
        if self.audit_max_files < 0:
            raise UsageError("audit_max_files must be 0 (keep all) or more")
        if self.hmac_key_file is not None:
            object.__setattr__(self, "hmac_key_file", Path(self.hmac_key_file))

    @property
    def size_bytes(self) -> int:
        return self.audit_size * 1024

    @property
    def timestamped(self) -> bool:
        """Timestamped backups (kept up to audit_max_files) rather than one overwritten backup."""
        return self.backup_date not in ("none", "no")

    def key(self) -> bytes | None:
        """The HMAC key from ``hmac_key_file`` (surrounding whitespace stripped), or None."""
        return load_key(self.hmac_key_file) if self.hmac_key_file else None

    def with_(self, **changes: object) -> LogConfig:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def load(cls, ini: str | Path, section: str = "logmgr") -> LogConfig:
        """Read ``[logmgr]`` of a ``seos.ini``-style file; absent keys keep the defaults."""
        path = Path(ini)
        parser = configparser.ConfigParser(
            interpolation=None, strict=False, inline_comment_prefixes=(";", "#")
        )
        try:
            with path.open(encoding="utf-8", errors="replace") as handle:
                parser.read_file(handle)
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror}") from None
        except configparser.Error as exc:
            raise UsageError(f"{path}: not an ini file: {exc}") from None
        if not parser.has_section(section):
            raise UsageError(f"{path}: no [{section}] section")
        values = parser[section]
        base = path.parent
        kwargs: dict[str, object] = {}
        if "audit_log" in values:
            kwargs["audit_log"] = _under(base, values["audit_log"])
        else:
            kwargs["audit_log"] = base / DEFAULT_LOG
        if "audit_back" in values:
            kwargs["audit_back"] = Path(values["audit_back"].strip())
        for key in ("audit_size", "audit_max_files"):
            if key in values:
                kwargs[key] = _int(path, key, values[key])
        if "backup_date" in values:
            kwargs["backup_date"] = values["backup_date"]
        if "flush" in values:
            kwargs["flush"] = FlushPolicy.parse(values["flush"])
        if "on_full" in values:
            kwargs["on_full"] = values["on_full"].strip().lower()
        if "hmac_key_file" in values:
            kwargs["hmac_key_file"] = _under(base, values["hmac_key_file"])
        return cls(**kwargs)  # type: ignore[arg-type]


def load_key(path: Path) -> bytes:
    try:
        key = Path(path).read_bytes().strip()
    except OSError as exc:
        raise LogKeyError(f"cannot read HMAC key file {path}: {exc.strerror}") from None
    if len(key) < 16:
        raise LogKeyError(f"HMAC key in {path} is shorter than 16 bytes")
    return key


def _under(base: Path, text: str) -> Path:
    value = Path(text.strip())
    return value if value.is_absolute() else base / value


def _int(path: Path, key: str, text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise UsageError(f"{path}: {key} = {text!r} is not a whole number") from None
