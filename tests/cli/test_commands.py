"""The command line: every verb module is listed, `-t` prints loadable tables, errors are clean."""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import seaudit.cli
from seaudit.cli import COMMANDS, _help_of, literal_help, main
from seaudit.schema.codes import default_tables, load_site_tables

SRC = Path(__file__).resolve().parents[2] / "src"
_NOT_VERBS = {"tables", "output", "engine"}  # helpers of the verbs, not verbs


def run_cli(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run(
        [sys.executable, "-m", "seaudit", *args],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_every_verb_module_is_listed_and_has_the_verb_interface() -> None:
    modules = {m.name for m in pkgutil.iter_modules(seaudit.cli.__path__)} - _NOT_VERBS
    listed = {path.rsplit(".", 1)[1] for path in COMMANDS.values()}
    assert modules == listed
    for module_name in COMMANDS.values():
        module = __import__(module_name, fromlist=["run"])
        assert isinstance(module.HELP, str) and module.HELP
        assert callable(module.add_arguments) and callable(module.run)


def test_dash_t_prints_every_table_and_loads_back(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["-t"]) == 0
    out = capsys.readouterr().out
    for title in (
        "Status letters",
        "Stage codes",
        "Reason codes",
        "Password quality codes",
        "Untrust codes",
    ):
        assert title in out
    assert "   408  Default access of TCP service" in out
    loaded = load_site_tables(out)
    assert loaded.numbered == default_tables().numbered


def test_dash_t_merges_a_site_dump(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    dump = tmp_path / "site.txt"
    dump.write_text("Stage codes\n  999  Site specific stage\n  69 - Overridden message\n")
    assert main(["-t", "--load", str(dump)]) == 0
    out = capsys.readouterr().out
    assert "   999  Site specific stage" in out
    assert "    69  Overridden message" in out


def test_bad_site_dump_is_a_clean_error_naming_the_line(tmp_path: Path) -> None:
    dump = tmp_path / "site.txt"
    dump.write_text("Stage codes\n  12  fine\nthis is not an entry\n")
    result = run_cli("-t", "--load", str(dump))
    assert result.returncode == 2
    err = result.stderr.decode()
    assert f"{dump}:3:" in err and "CodeTableError" in err
    assert "Traceback" not in err


def test_missing_site_dump_is_a_clean_error(tmp_path: Path) -> None:
    result = run_cli("-t", "--load", str(tmp_path / "absent.txt"))
    assert result.returncode == 2
    assert b"cannot read code tables" in result.stderr and b"Traceback" not in result.stderr


def test_formats_lists_every_registered_format() -> None:
    from seaudit.export import registry

    result = run_cli("formats")
    assert result.returncode == 0
    names = [line for line in result.stdout.decode().splitlines() if not line.startswith(" ")]
    assert names == list(registry())


def test_an_endless_site_dump_is_refused_in_bounded_memory() -> None:
    result = run_cli("-t", "--load", "/dev/zero")
    assert result.returncode == 2
    assert b"larger than 16 MiB" in result.stderr and b"Traceback" not in result.stderr


def test_a_path_that_cannot_be_made_is_a_clean_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = run_cli("--store", str(blocker / "store"), "-a")  # a query makes no store
    assert result.returncode == 2
    assert b"no store at" in result.stderr and b"Traceback" not in result.stderr
    made = run_cli("import", "--store", str(blocker / "store"), "-", stdin=b"")
    assert made.returncode == 2
    assert b"seaudit: cannot use" in made.stderr and b"Traceback" not in made.stderr


def test_parse_writes_to_a_file_with_format_options(tmp_path: Path) -> None:
    line = b"18 Nov 2008 15:23:56 D FILE admabc Read 69 3 /tmp/one /bin/tcsh localhost admabc\n"
    out = tmp_path / "out.leef"
    result = run_cli(
        "parse", "--to", "leef", "--opt", "delimiter=^", "-o", str(out), "-", stdin=line
    )
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert text.startswith("LEEF:2.0|") and "^" in text and result.stdout == b""
    bad = run_cli("parse", "--to", "csv", "--opt", "delimiter=^", "-", stdin=line)
    assert bad.returncode == 2 and b"has no option 'delimiter'" in bad.stderr


def test_the_verb_list_reads_each_help_from_source_without_importing_the_verbs() -> None:
    for module_name in COMMANDS.values():
        module = __import__(module_name, fromlist=["HELP"])
        assert _help_of(module_name) == module.HELP
    probe = (
        "import sys, contextlib, io\n"
        "from seaudit.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = [m for m in ('polars', 'duckdb', 'pyarrow', 'typing', 'seaudit.cli.query')\n"
        "         if m in sys.modules]\n"
        "print(heavy)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("source", "want"),
    [
        ('HELP = "one line"\nX = 1\n', "one line"),
        ('HELP = (\n    "two "\n    "lines"\n)\n', "two lines"),
        ("HELP = NAME\n", None),
        ('HELP = f"{x}"\n', None),
        ('HELP = print("no")\n', None),
        ("HELP = 3\n", None),
        ("X = 1\n", None),
        ('HELP = "unterminated\n', None),
    ],
)
def test_literal_help_takes_only_a_string_literal(source: str, want: str | None) -> None:
    assert literal_help(source) == want
