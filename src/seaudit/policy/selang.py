"""The policy file: the subset of selang that sites already write their policy in.

One command a line; ``#`` starts a comment line; values in parentheses are separated by commas
or spaces and may be quoted (``"C:\\Program Files\\x"``). Verbs and property names are
case-insensitive, class names are upper-cased, user, group and resource names are kept as
written. Accepted (short forms in brackets)::

    newusr [nu] | chusr [cu] | editusr [eu]  NAME|(N1,N2)  audit(MODES) profile(GROUP)
                                                           category(C...) admin admin-
    newgrp [ng] | chgrp [cg] | editgrp [eg]  NAME|(...)    audit(MODES)
    join  USER|(...)  group(GROUP...)
    newres [nr] | chres [cr] | editres [er]  CLASS NAME|(...)  defacc(ACC...) audit(MODES)
                                   owner(USER) warning warning- notify(USER...) notify-
                                   category(C...)
    newfile [nf] | chfile [cf] | editfile [ef]  NAME ...   (the FILE class)
    authorize [auth] CLASS NAME uid(USER...)|gid(GROUP...) access(ACC...) [acc(...)]
    authorize- [auth-] CLASS NAME uid(...)|gid(...)
    setoptions [so]  class+(CLASS...) class-(CLASS...) audit(MODES) auditonly auditonly-
    setoptions [so]  class(CLASS) warning|warning-

``setoptions audit(...)`` sets the system-wide mode (lang.ini ``DefaultAudit`` in the product),
``setoptions auditonly`` the Audit-only mode, ``setoptions class(C) warning`` a class's Warning
option. Errors name the line and column: ``policy.txt:4:14: unknown AUDIT value 'faliure'``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from seaudit.errors import PolicyError
from seaudit.policy.model import (
    AclEntry,
    Policy,
    PolicyBuilder,
    PolicyFault,
    Source,
    access_word,
)
from seaudit.policy.modes import RESOURCE_MODES, Audit, parse_mode_word
from seaudit.policy.textfile import read_text


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "word", "string", "(", ")", ","
    text: str
    column: int  # 1-based


@dataclass(frozen=True, slots=True)
class Prop:
    """``name(values)`` or a bare flag ``name`` / ``name-``."""

    name: str
    values: tuple[Token, ...] | None  # None: a bare flag
    at: Token


@dataclass(frozen=True, slots=True)
class Command:
    verb: Token
    args: tuple[Token | tuple[Token, ...], ...]  # positional: a value or a (list)
    props: tuple[Prop, ...]
    source: Source


class _Fail(Exception):
    def __init__(self, reason: str, column: int) -> None:
        super().__init__(reason)
        self.reason, self.column = reason, column


_SPECIAL = "(),\"'"


def tokenize(text: str) -> list[Token]:
    out: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "(),":
            out.append(Token(ch, ch, i + 1))
            i += 1
        elif ch in "\"'":
            end = text.find(ch, i + 1)
            if end < 0:
                raise _Fail("a quoted value is not closed", i + 1)
            out.append(Token("string", text[i + 1 : end], i + 1))
            i = end + 1
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in _SPECIAL:
                i += 1
            out.append(Token("word", text[start:i], start + 1))
    return out


def parse_command(text: str, line: int) -> Command | None:
    """One line as a command (None for a blank or comment line)."""
    stripped = text.strip()
    if not stripped or stripped.startswith("#"):
        return None
    toks = tokenize(text)
    verb = toks[0]
    if verb.kind != "word":
        raise _Fail("a line must start with a selang command", verb.column)
    args: list[Token | tuple[Token, ...]] = []
    props: list[Prop] = []
    i = 1
    while i < len(toks):
        tok = toks[i]
        if tok.kind == "(":
            values, i = _values(toks, i)
            if props:
                raise _Fail("a value list must come before the properties", tok.column)
            args.append(values)
        elif tok.kind in (")", ","):
            raise _Fail(f"unexpected {tok.text!r}", tok.column)
        elif i + 1 < len(toks) and toks[i + 1].kind == "(" and tok.kind == "word" and _is_prop(tok):
            values, i = _values(toks, i + 1)
            props.append(Prop(tok.text.lower(), values, tok))
        elif tok.kind == "word" and _is_flag(tok) and (args or verb.text.lower() in _FLAG_FIRST):
            props.append(Prop(tok.text.lower(), None, tok))
            i += 1
        else:
            if props:
                raise _Fail(f"unexpected value {tok.text!r} after the properties", tok.column)
            args.append(tok)
            i += 1
    return Command(verb, tuple(args), tuple(props), Source(line, stripped))


_PROPS = {
    "audit",
    "profile",
    "category",
    "defacc",
    "owner",
    "notify",
    "uid",
    "gid",
    "access",
    "acc",
    "group",
    "class+",
    "class-",
    "class",
}
_FLAGS = {"admin", "admin-", "warning", "warning-", "notify-", "auditonly", "auditonly-"}
_FLAG_FIRST = {"setoptions", "so"}


def _is_prop(tok: Token) -> bool:
    return tok.text.lower() in _PROPS


def _is_flag(tok: Token) -> bool:
    return tok.text.lower() in _FLAGS


def _values(toks: list[Token], i: int) -> tuple[tuple[Token, ...], int]:
    """The values of the list opened at ``toks[i]``; returns them and the index after ')'."""
    opening = toks[i]
    values: list[Token] = []
    i += 1
    while i < len(toks):
        tok = toks[i]
        if tok.kind == ")":
            return tuple(values), i + 1
        if tok.kind == "(":
            raise _Fail("a '(' inside a value list", tok.column)
        if tok.kind != ",":
            values.append(tok)
        i += 1
    raise _Fail("a '(' is not closed", opening.column)


# --- applying commands ----------------------------------------------------------------------


def _names(cmd: Command, index: int, what: str) -> list[Token]:
    if len(cmd.args) <= index:
        raise _Fail(f"{cmd.verb.text}: the {what} is missing", cmd.verb.column)
    arg = cmd.args[index]
    names = list(arg) if isinstance(arg, tuple) else [arg]
    if not names:
        raise _Fail(f"{cmd.verb.text}: an empty list of {what}s", cmd.verb.column)
    return names


def _no_more_args(cmd: Command, count: int) -> None:
    if len(cmd.args) > count:
        extra = cmd.args[count]
        tok = extra[0] if isinstance(extra, tuple) and extra else extra
        column = tok.column if isinstance(tok, Token) else cmd.verb.column
        raise _Fail(f"{cmd.verb.text}: unexpected value", column)


def _modes(prop: Prop, *, resource: bool) -> Audit:
    values = _need_values(prop)
    mode = Audit.NONE
    for tok in values:
        word = parse_mode_word(tok.text)
        if word is None:
            raise _Fail(f"unknown AUDIT value {tok.text!r}", tok.column)
        if resource and tok.text.lower() == "all":
            word = RESOURCE_MODES
        elif resource and word & ~RESOURCE_MODES:
            raise _Fail(
                f"a resource's AUDIT is none, failure, success or all, not {tok.text!r}",
                tok.column,
            )
        mode |= word
    return mode


def _need_values(prop: Prop) -> tuple[Token, ...]:
    if prop.values is None:
        raise _Fail(f"{prop.name} needs values in parentheses", prop.at.column)
    if not prop.values:
        raise _Fail(f"{prop.name}() is empty", prop.at.column)
    return prop.values


def _one(prop: Prop) -> Token:
    values = _need_values(prop)
    if len(values) != 1:
        raise _Fail(f"{prop.name} takes one value", values[1].column)
    return values[0]


def _refuse(prop: Prop, verb: str) -> None:
    raise _Fail(f"{verb} does not take {prop.name}", prop.at.column)


def _apply_user(b: PolicyBuilder, cmd: Command, mode: str) -> None:
    _no_more_args(cmd, 1)
    for tok in _names(cmd, 0, "user name"):
        _at(tok, _user_one, b, cmd, tok.text, mode)


def _user_one(b: PolicyBuilder, cmd: Command, name: str, mode: str) -> None:
    if mode == "new" or (mode == "edit" and name not in b.users):
        b.new_user(name, cmd.source)
    b.user(name)
    for prop in cmd.props:
        if prop.name == "audit":
            b.change_user(name, audit=_modes(prop, resource=False), audit_from=cmd.source)
        elif prop.name == "profile":
            group = _one(prop)
            _at(group, b.group, group.text)
            b.change_user(name, profile=group.text)
        elif prop.name == "category":
            b.change_user(name, categories=frozenset(t.text for t in _need_values(prop)))
        elif prop.name in ("admin", "admin-"):
            b.change_user(name, admin=prop.name == "admin")
        else:
            _refuse(prop, cmd.verb.text)


def _apply_group(b: PolicyBuilder, cmd: Command, mode: str) -> None:
    _no_more_args(cmd, 1)
    for tok in _names(cmd, 0, "group name"):
        name = tok.text
        if mode == "new" or (mode == "edit" and name not in b.groups):
            _at(tok, b.new_group, name, cmd.source)
        _at(tok, b.group, name)
        for prop in cmd.props:
            if prop.name != "audit":
                _refuse(prop, cmd.verb.text)
            b.change_group(name, audit=_modes(prop, resource=False), audit_from=cmd.source)


def _apply_join(b: PolicyBuilder, cmd: Command) -> None:
    _no_more_args(cmd, 1)
    groups = [p for p in cmd.props if p.name == "group"]
    if not groups or len(groups) != len(cmd.props):
        bad = next((p for p in cmd.props if p.name != "group"), None)
        if bad is not None:
            _refuse(bad, "join")
        raise _Fail("join needs group(GROUP)", cmd.verb.column)
    for user in _names(cmd, 0, "user name"):
        for group in _need_values(groups[0]):
            _at(user, b.user, user.text)
            _at(group, b.join, user.text, group.text)


def _class_of(cmd: Command, fixed: str | None) -> tuple[str, int]:
    """The class (upper case) and the index of the first resource-name argument."""
    if fixed is not None:
        return fixed, 0
    if not cmd.args or not isinstance(cmd.args[0], Token):
        raise _Fail(f"{cmd.verb.text}: the class name is missing", cmd.verb.column)
    return cmd.args[0].text.upper(), 1


def _apply_resource(b: PolicyBuilder, cmd: Command, mode: str, fixed: str | None) -> None:
    cls, first = _class_of(cmd, fixed)
    _no_more_args(cmd, first + 1)
    for tok in _names(cmd, first, "resource name"):
        name = tok.text
        if mode == "new" or (mode == "edit" and (cls, name) not in b.resources):
            _at(tok, b.new_resource, cls, name, cmd.source)
        _at(tok, b.resource, cls, name, cmd.source)
        for prop in cmd.props:
            b.change_resource(cls, name, cmd.source, **_resource_change(b, cmd, prop))


def _resource_change(b: PolicyBuilder, cmd: Command, prop: Prop) -> dict[str, object]:
    src = cmd.source
    if prop.name == "defacc":
        return {"defacc": _accesses(prop), "defacc_from": src}
    if prop.name == "audit":
        return {"audit": _modes(prop, resource=True), "audit_from": src}
    if prop.name == "owner":
        owner = _one(prop)
        _at(owner, _known_accessor, b, owner.text)
        return {"owner": owner.text, "owner_from": src}
    if prop.name in ("warning", "warning-"):
        return {"warning": src if prop.name == "warning" else None}
    if prop.name == "notify":
        return {"notify": tuple(t.text for t in _need_values(prop)), "notify_from": src}
    if prop.name == "notify-":
        return {"notify": (), "notify_from": None}
    if prop.name == "category":
        return {"categories": frozenset(t.text for t in _need_values(prop))}
    _refuse(prop, cmd.verb.text)
    return {}


def _known_accessor(b: PolicyBuilder, name: str) -> None:
    if name not in b.users and name not in b.groups:
        raise PolicyFault(f"no user or group {name!r}")


def _accesses(prop: Prop) -> frozenset[str]:
    return frozenset(access_word(t.text) for t in _need_values(prop))


def _apply_auth(b: PolicyBuilder, cmd: Command, remove: bool) -> None:
    cls, first = _class_of(cmd, None)
    _no_more_args(cmd, first + 1)
    who: list[tuple[Token, bool]] = []
    access: frozenset[str] | None = None
    for prop in cmd.props:
        if prop.name in ("uid", "gid"):
            who += [(t, prop.name == "gid") for t in _need_values(prop)]
        elif prop.name in ("access", "acc") and not remove:
            access = _accesses(prop)
        else:
            _refuse(prop, cmd.verb.text)
    if not who:
        raise _Fail(f"{cmd.verb.text} needs uid(USER) or gid(GROUP)", cmd.verb.column)
    if access is None and not remove:
        raise _Fail(f"{cmd.verb.text} needs access(ACCESS...)", cmd.verb.column)
    for tok in _names(cmd, first, "resource name"):
        for accessor, is_group in who:
            if remove:
                _at(tok, b.unauthorize, cls, tok.text, accessor.text, cmd.source)
                continue
            if not is_group and accessor.text != "*":
                _at(accessor, b.user, accessor.text)
            assert access is not None
            entry = AclEntry(accessor.text, is_group, access, cmd.source)
            _at(accessor, b.authorize, cls, tok.text, entry)


def _apply_setoptions(b: PolicyBuilder, cmd: Command) -> None:
    _no_more_args(cmd, 0)
    named_class: str | None = None
    for prop in cmd.props:
        if prop.name == "class+":
            b.active_classes |= {t.text.upper() for t in _need_values(prop)}
        elif prop.name == "class-":
            b.active_classes -= {t.text.upper() for t in _need_values(prop)}
        elif prop.name == "class":
            named_class = _one(prop).text.upper()
        elif prop.name in ("warning", "warning-"):
            if named_class is None:
                raise _Fail(f"{prop.name} needs class(CLASS) before it", prop.at.column)
            if prop.name == "warning":
                b.warning_classes[named_class] = cmd.source
            else:
                b.warning_classes.pop(named_class, None)
        elif prop.name == "audit":
            b.system_audit = _modes(prop, resource=False)
            b.system_audit_from = cmd.source
        elif prop.name in ("auditonly", "auditonly-"):
            b.audit_only = cmd.source if prop.name == "auditonly" else None
        else:
            _refuse(prop, cmd.verb.text)


def _at(tok: Token, action: Callable[..., object], *args: object) -> None:
    """Run a builder step; a fault is reported at the token it is about."""
    try:
        action(*args)
    except PolicyFault as exc:
        raise _Fail(str(exc), tok.column) from None


Apply = Callable[[PolicyBuilder, Command], None]

VERBS: dict[str, Apply] = {}
for _names_, _fn in (
    (("newusr", "nu"), lambda b, c: _apply_user(b, c, "new")),
    (("chusr", "cu"), lambda b, c: _apply_user(b, c, "change")),
    (("editusr", "eu"), lambda b, c: _apply_user(b, c, "edit")),
    (("newgrp", "ng"), lambda b, c: _apply_group(b, c, "new")),
    (("chgrp", "cg"), lambda b, c: _apply_group(b, c, "change")),
    (("editgrp", "eg"), lambda b, c: _apply_group(b, c, "edit")),
    (("join",), _apply_join),
    (("newres", "nr"), lambda b, c: _apply_resource(b, c, "new", None)),
    (("chres", "cr"), lambda b, c: _apply_resource(b, c, "change", None)),
    (("editres", "er"), lambda b, c: _apply_resource(b, c, "edit", None)),
    (("newfile", "nf"), lambda b, c: _apply_resource(b, c, "new", "FILE")),
    (("chfile", "cf"), lambda b, c: _apply_resource(b, c, "change", "FILE")),
    (("editfile", "ef"), lambda b, c: _apply_resource(b, c, "edit", "FILE")),
    (("authorize", "auth"), lambda b, c: _apply_auth(b, c, remove=False)),
    (("authorize-", "auth-"), lambda b, c: _apply_auth(b, c, remove=True)),
    (("setoptions", "so"), _apply_setoptions),
):
    for _verb in _names_:
        VERBS[_verb] = _fn


def commands(text: str, source: str) -> Iterator[Command]:
    for number, line in enumerate(text.splitlines(), 1):
        try:
            cmd = parse_command(line, number)
        except _Fail as exc:
            raise PolicyError(exc.reason, source=source, line=number, column=exc.column) from None
        if cmd is not None:
            yield cmd


def parse_policy(text: str, *, source: str = "<policy>") -> Policy:
    """A policy from selang text; the first problem raises PolicyError (line, column)."""
    builder = PolicyBuilder()
    for cmd in commands(text, source):
        apply = VERBS.get(cmd.verb.text.lower())
        try:
            if apply is None:
                raise _Fail(
                    f"unknown command {cmd.verb.text!r} (known: {', '.join(sorted(VERBS))})",
                    cmd.verb.column,
                )
            apply(builder, cmd)
        except _Fail as exc:
            raise PolicyError(
                exc.reason, source=source, line=cmd.source.line, column=exc.column
            ) from None
    return builder.build()


def load_policy(path: str | Path) -> Policy:
    """A policy file (UTF-8). OSError propagates; a bad line raises PolicyError."""
    return parse_policy(read_text(path), source=str(path))
