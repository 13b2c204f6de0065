"""The bulk path's classification: which lines of a chunk the generated templates read, and how.

A line is a candidate when it is a single-spaced non-detailed line with a real date (no column
padding, no detailed label, not continued by a label line, not over-long). For each template
(``text.templates``) one boolean column says whether it reads the line at no cost; the
conditions are the template's own (size, numbers, session IDs, ``(OS user)``, the Event/Class
word for the status, a selang verb starting a command). A line is decided here when exactly
one reading fits and its values cost nothing (``short._start_cost``); its platform is chosen
as the reference chooses it (``short._build``, ``short._settle_tie``). Every other line is
left to the reference parser: ``tid`` -1.
"""

from __future__ import annotations

import polars as pl

from seaudit.schema.codes import CodeTables
from seaudit.schema.events import LABEL_KEYS, Layout
from seaudit.schema.fields import FIELD_BY_KEY, MAX_CODE_DIGITS
from seaudit.schema.flags import OS_USER, OS_USER_TOKENS
from seaudit.text.chunks import token_names
from seaudit.text.short import column_fits
from seaudit.text.templates import COMMAND, Plan, Template
from seaudit.text.timefmt import MONTHS, to_timestamp

#: what str.isspace() takes; none lies above U+3000 (a test holds it: the full scan costs 0.2 s)
SPACES = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
_WS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in SPACES) + "]"
_MONTHS = [*MONTHS, *(m.upper() for m in MONTHS)]
_DATE_SHAPE = (
    "^[0-9]{2} (?:" + "|".join(_MONTHS) + ") [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} [^ ] [^ ]"
)
_LABELLED_RE = f"(?i)event(?: type)?{_WS}*:"  # a superset of detailed.find_labels
_SESSION_RE = "^[0-9A-Fa-f]{8}:[0-9A-Fa-f]{8,16}$"
#: what ``tokens.looks_like_path_start`` takes, in ASCII (a non-ASCII drive letter goes slow)
_PATH_START_RE = "^(?:/|\\\\\\\\|[A-Za-z]:[\\\\/]|[Hh][Kk][Ee][Yy]_)"
_OS, _USER = OS_USER_TOKENS
_TAIL = " " + OS_USER  # a command's trailing AuditFlags column


def _rx_escape(text: str) -> str:
    return "".join(f"\\{c}" if not c.isalnum() and c != " " else c for c in text)


def _continuation_re() -> str:
    labels = "|".join(_rx_escape(lab) for lab in sorted(LABEL_KEYS, key=len, reverse=True))
    return f"^{_WS}*(?:{labels}){_WS}*:"


_CONTINUATION_RE = _continuation_re()


def candidates(frame: pl.DataFrame, after: bool, max_line: int) -> pl.Expr:
    """Whether each line may be read by a template: single-spaced, no trailing space, a date's
    shape, no detailed label on it or on the line after it (``after``: the chunk's next line
    is one), not over-long."""
    text = pl.col("text")
    nxt_cont = text.shift(-1).str.contains(_CONTINUATION_RE).fill_null(after)
    return (
        text.str.contains(_DATE_SHAPE)
        & ~text.str.contains("  ", literal=True)
        & ~text.str.slice(-1).is_in(list(SPACES))
        & ~text.str.contains(_LABELLED_RE)
        & (pl.col("nbytes") <= max_line)
        & ~nxt_cont
    )


def token_count(width: int) -> pl.Expr:
    """Tokens of a candidate line, up to ``width`` (a candidate has no empty token)."""
    return pl.sum_horizontal([pl.col(c).is_not_null() for c in token_names(width)]).cast(pl.Int64)


def dates(df: pl.DataFrame) -> pl.DataFrame:
    """Add ``timestamp``, null where the date or time is not real (the reference rejects those
    lines). The shape (two-digit day, month spelled Jan or JAN, four-digit year, HH:MM:SS) is
    checked by ``candidates``; the calendar is checked by ``timefmt.to_timestamp`` once a
    distinct day (a chunk holds few), the clock here."""
    day = pl.col("text").str.slice(0, 11)
    days: dict[str, str | None] = {}
    for text in df.select(day.unique())["text"].to_list():
        parts = text.split(" ") if text else []
        stamp = to_timestamp(parts[0], parts[1], parts[2], "00:00:00") if len(parts) == 3 else None
        days[text] = stamp[:10] if stamp else None
    clock = pl.col("_t3")
    ok = (
        (clock.str.slice(0, 2) <= "23")
        & (clock.str.slice(3, 1) <= "5")
        & (clock.str.slice(6, 1) <= "5")
    )
    date = day.replace_strict(days, default=None, return_dtype=pl.Utf8)
    timestamp = pl.when(ok).then(pl.concat_str([date, pl.lit("T"), clock]))
    return df.with_columns(timestamp.alias("timestamp"))


def _is_int(token: pl.Expr) -> pl.Expr:
    """What ``short._token_fits("int", ...)`` says: 1 to 18 ASCII digits (the cast alone
    would also take a leading "+")."""
    return (
        token.cast(pl.UInt64, strict=False).is_not_null()
        & (token.str.len_bytes() <= MAX_CODE_DIGITS)
        & ~token.str.starts_with("+")
    ).fill_null(False)


def _tok(i: int) -> pl.Expr:
    return pl.col(f"_t{i}")


def _word_ok(plan: Plan, tables: CodeTables, pairs: list[str]) -> dict[str, pl.Expr]:
    """Layout id -> whether the line's status letter and Event/Class word (``_sw``: "P FILE")
    fit it at no cost, decided once a distinct pair (a chunk holds few)."""
    allowed: dict[str, list[str]] = {lay.id: [] for lay in plan.layouts}
    for pair in pairs:
        status, _, word = pair.partition(" ")
        for lay in plan.layouts:
            if _fits_free(lay, status, word, tables, plan.layouts):
                allowed[lay.id].append(pair)
    return {lid: pl.col("_sw").is_in(pairs_) for lid, pairs_ in allowed.items()}


def _fits_free(
    layout: Layout, status: str, word: str, tables: CodeTables, layouts: tuple[Layout, ...]
) -> bool:
    """The reference reads ``word`` in the layout's column for ``status`` at no cost (status
    C, a product error, fits every layout: the reference decides those lines)."""
    if status == "C" or status not in layout.statuses or status not in tables.statuses:
        return False
    if layout.word_is_free and word not in layout.words:
        return False  # an unknown admin Event word costs (``short._implausibility``)
    return column_fits(layout, word, status, layouts)


def _selang(token: pl.Expr, tables: CodeTables) -> pl.Expr:
    """A command's first token is a selang verb (``CodeTables.is_selang``); one of printable
    ASCII only, where splitting on spaces and on any whitespace agree."""
    verbs = sorted({*tables.command_types, *tables.selang_verbs})
    return token.str.contains("^[!-~]+$") & token.str.to_lowercase().is_in(verbs)


def _fits(t: Template, word_ok: pl.Expr) -> pl.Expr:
    conds = [word_ok]
    if t.text is None:
        conds.append(pl.col("ntok") == t.size)
    else:
        conds.append(pl.col("ntok") > t.size)
        if t.tail_flags is not None:
            conds.append(pl.col("_tail") if t.tail_flags else ~pl.col("_tail"))
        if t.text == COMMAND:
            conds.append(pl.col(f"_c{t.size}"))
    conds += [pl.col(f"_s{p}") for p in t.sessions]
    conds += [~pl.col(f"_s{p}") for p in t.no_sessions]
    conds += [pl.col(f"_i{p}") for p in t.ints]
    if t.flags is not None:
        conds.append(pl.col(f"_f{t.flags}"))
    conds += [~pl.col(f"_f{p}") for p in t.no_flags]
    return pl.all_horizontal(conds)


def _costly(t: Template) -> pl.Expr | None:
    """Whether a value of the template costs (``short._start_cost``): a one-word column that
    holds a backslash, a name that holds two, a path that holds one but does not start like
    an absolute path (the end of a spaced Windows path)."""
    odd = []
    for kind, p in t.shaped:
        tok = _tok(p)
        if kind == "word":
            odd.append(tok.str.contains("\\", literal=True))
        elif kind == "name":
            odd.append(tok.str.count_matches("\\", literal=True) > 1)
        else:
            odd.append(tok.str.contains("\\", literal=True) & ~tok.str.contains(_PATH_START_RE))
    return pl.any_horizontal(odd) if odd else None


def _features(plan: Plan, tables: CodeTables) -> list[pl.Expr]:
    """What the templates ask of a line, one column each (computed once a line): the status
    and Event/Class word, whether a session ID, a code or ``(OS user)`` stands at each
    position a template names, whether a command starts with a selang verb, whether the line
    ends with ``(OS user)``."""
    templates = plan.templates
    ok = pl.col("cand") & pl.col("timestamp").is_not_null()
    out = [pl.when(ok).then(pl.concat_str([_tok(4), pl.lit(" "), _tok(5)])).alias("_sw")]
    out.append(pl.col("ntok"))
    for p in sorted({p for t in templates for p in (*t.sessions, *t.no_sessions)}):
        out.append(_tok(p).str.contains(_SESSION_RE).fill_null(False).alias(f"_s{p}"))
    for p in sorted({p for t in templates for p in t.ints}):
        out.append(_is_int(_tok(p)).alias(f"_i{p}"))
    for p in sorted({p for t in templates for p in (t.flags, *t.no_flags) if p is not None}):
        pair = (_tok(p) == _OS) & (_tok(p + 1) == _USER)
        out.append(pair.fill_null(False).alias(f"_f{p}"))
    for p in sorted({t.size for t in templates if t.text == COMMAND}):
        out.append(_selang(_tok(p), tables).fill_null(False).alias(f"_c{p}"))
    if any(t.tail_flags is not None for t in templates):
        out.append(pl.col("text").str.ends_with(_TAIL).alias("_tail"))
    return out


def classify(df: pl.DataFrame, plan: Plan, tables: CodeTables) -> pl.DataFrame:
    """Add ``tid`` (the index in ``plan.templates`` of the template that reads the line, -1
    for the reference) and ``platform`` (the record's platform, null where none).

    The templates are evaluated once a distinct combination of features (a chunk holds a few
    hundred), and the answer joined back to the lines."""
    templates = plan.templates
    features = _features(plan, tables)
    df = df.with_columns(features)
    names = [f.meta.output_name() for f in features]
    combos = df.select(names).unique().filter(pl.col("_sw").is_not_null())
    word_ok = _word_ok(plan, tables, combos["_sw"].unique().to_list())
    fits = [_fits(t, word_ok[t.layout.id]).alias(f"_x{i}") for i, t in enumerate(templates)]
    combos = combos.with_columns(fits)
    index = {id(t): i for i, t in enumerate(templates)}
    count = pl.sum_horizontal(
        [
            pl.any_horizontal([pl.col(f"_x{index[id(t)]}") for t in r.templates]).cast(pl.Int32)
            for r in plan.readings
        ]
    )
    first = pl.coalesce(
        [pl.when(pl.col(f"_x{i}")).then(pl.lit(i, pl.Int64)) for i in range(len(templates))]
    )
    unix = _any_fit([i for i, t in enumerate(templates) if t.platform == "unix"])
    windows = _any_fit([i for i, t in enumerate(templates) if t.platform == "windows"])
    own = (
        pl.when(unix & ~windows)
        .then(pl.lit("unix"))
        .when(windows & ~unix)
        .then(pl.lit("windows"))
        .otherwise(pl.lit(None, pl.Utf8))
    )
    combos = combos.select(
        *names, pl.when(count == 1).then(first).otherwise(-1).alias("tid"), own.alias("_own")
    )
    df = df.join(combos, on=names, how="left", maintain_order="left")
    df = df.drop(names).with_columns(pl.col("tid").fill_null(-1))
    return _platforms(_free_text(df, templates), plan)


def _free_text(df: pl.DataFrame, templates: tuple[Template, ...]) -> pl.DataFrame:
    """Add, for the lines a free-text template reads (a few), ``_text``: the free text (a
    trailing ``(OS user)`` left out where the template reads it as AuditFlags), and ``_head``:
    the line before it (where the platform clue is looked for); null on other lines. Worked
    out on those lines alone and joined back by row."""
    texts = {i: t for i, t in enumerate(templates) if t.text is not None}
    width = max((t.size for t in texts.values()), default=0)
    sub = df.filter(pl.col("tid").is_in(list(texts)))
    sub = sub.select("row", "text", "tid", *token_names(width))
    if sub.height == 0:
        return df.with_columns(pl.lit(None, pl.Utf8).alias(c) for c in ("_text", "_head"))
    tid = pl.col("tid")
    size = tid.replace_strict({i: t.size for i, t in texts.items()}, return_dtype=pl.Int64)
    at = pl.sum_horizontal(
        [pl.when(size > j).then(_tok(j).str.len_chars() + 1) for j in range(width)]
    )
    line = pl.col("text")
    tails = [i for i, t in texts.items() if t.tail_flags]
    cut = line.str.len_chars() - at - len(_TAIL)
    free = pl.when(tid.is_in(tails)).then(line.str.slice(at, cut)).otherwise(line.str.slice(at))
    sub = sub.select("row", free.alias("_text"), line.str.slice(0, at).alias("_head"))
    return df.join(sub, on="row", how="left", maintain_order="left")


def _platforms(df: pl.DataFrame, plan: Plan) -> pl.DataFrame:
    """The record's platform (``short._build``), and the template of a reading that needs it
    (``short._settle_tie``); lines whose values cost, or whose platform the reference would
    only guess (with a warning), go to the reference."""
    templates = plan.templates
    index = {id(t): i for i, t in enumerate(templates)}
    present = sorted(t for t in df["tid"].unique().to_list() if t >= 0)
    tid = pl.col("tid")
    reading_of = {index[id(t)]: r for r in plan.readings for t in r.templates}
    mode: dict[str, list[int]] = {"fixed": [], "clue": [], "own": [], "pair": []}
    for i in present:
        lay, reading = templates[i].layout, reading_of[i]
        if not lay.platform_dependent:
            continue
        if plan.platform is not None:
            mode["fixed"].append(i)
        elif reading.needs_platform:
            mode["pair"].append(i)
        else:
            mode["own" if lay.windows else "clue"].append(i)
    clued = mode["clue"] + mode["pair"] + mode["own"]
    platform = pl.lit(None, pl.Utf8)
    slow = _costly_rows(df, templates, present)
    if mode["fixed"]:
        platform = pl.when(tid.is_in(mode["fixed"])).then(pl.lit(plan.platform)).otherwise(platform)
    if clued:
        # the values' clue (``short._platform_clue``): free text left out
        head, line = pl.col("_head"), pl.col("text")
        has_head = head.is_not_null()
        windows = pl.when(has_head).then(_windows_clue(head)).otherwise(_windows_clue(line))
        odd = pl.when(has_head).then(_odd_drive(head)).otherwise(_odd_drive(line))
        unix = pl.any_horizontal(
            [pl.lit(False)]
            + [
                _tok(p).str.starts_with("/").fill_null(False)
                & tid.is_in([i for i in present if _path_at(templates[i], p)])
                for p in sorted({p for i in present for p in _paths(templates[i])})
            ]
        )
        clue = (
            pl.when(windows)
            .then(pl.lit("windows"))
            .when(unix)
            .then(pl.lit("unix"))
            .otherwise(pl.lit(None, pl.Utf8))
        )
        platform = (
            pl.when(tid.is_in(mode["own"]))
            .then(pl.coalesce(clue, pl.col("_own")))
            .when(tid.is_in(clued))
            .then(clue)
            .otherwise(platform)
        )
        slow = slow | (tid.is_in(clued) & odd)
    df = df.with_columns(platform.alias("platform"))
    if mode["pair"]:  # the template of the platform the clue tells; no clue: the reference warns
        plat = pl.col("platform")
        by_platform = tid
        for i in mode["pair"]:
            for t in reading_of[i].templates:
                then = (tid == i) & (plat == t.platform)
                by_platform = pl.when(then).then(index[id(t)]).otherwise(by_platform)
        slow = slow | (tid.is_in(mode["pair"]) & plat.is_null())
        df = df.with_columns(by_platform.alias("tid"))
    return df.with_columns(pl.when(slow).then(-1).otherwise(tid).alias("tid"))


def _costly_rows(df: pl.DataFrame, templates: tuple[Template, ...], present: list[int]) -> pl.Expr:
    """Whether each line's values cost (``_costly``); only lines with a backslash can."""
    rows = df.filter((pl.col("tid") >= 0) & pl.col("text").str.contains("\\", literal=True))
    if rows.height == 0:
        return pl.lit(False)
    tid = pl.col("tid")
    costly = pl.lit(False)
    for i in sorted(set(rows["tid"].to_list())):
        odd = _costly(templates[i])
        if odd is not None:
            costly = costly | ((tid == i) & odd.fill_null(False))
    slow = rows.filter(costly)["row"]
    return pl.col("row").is_in(slow.implode())


def _windows_clue(values: pl.Expr) -> pl.Expr:
    """A backslash, or a drive letter starting a value (``tokens.has_windows_clue``)."""
    return values.str.contains("\\", literal=True) | values.str.contains(" [A-Za-z]:")


def _odd_drive(values: pl.Expr) -> pl.Expr:
    """A non-ASCII letter as a drive (the reference may read it as one): slow."""
    return values.str.contains(" [^\\x00-\\x7f]:")


def _paths(t: Template) -> list[int]:
    return [p for k, p in t.slots if FIELD_BY_KEY[k].kind == "path"]


def _path_at(t: Template, p: int) -> bool:
    return any(pos == p and FIELD_BY_KEY[k].kind == "path" for k, pos in t.slots)


def _any_fit(ids: list[int]) -> pl.Expr:
    return pl.any_horizontal([pl.lit(False)] + [pl.col(f"_x{i}") for i in ids])
