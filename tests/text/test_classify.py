"""Classification: the lines the generated templates decide are exactly the unambiguous,
costless ones; the rest (ties, costs, status C, a platform only guessed) go to the reference.
(That the decided ones equal the reference is the property test of tests/text/test_bulk.py.)"""

from __future__ import annotations

from seaudit.schema.codes import default_tables
from seaudit.text.bulk import _vector
from seaudit.text.classify import SPACES
from seaudit.text.templates import plan

FAST = [
    b"01 Jan 2024 10:00:00 D FILE root Read 69 3 /etc/shadow /bin/cat tty1 root",
    b"01 Jan 2024 10:00:01 P LOGIN bob 4922ae61:00000132 59 2 pts/1 /bin/login (OS user)",
    b"01 Jan 2024 10:00:02 P TRACE root root root FILE /etc/x 55 FILE > Result: 'P'",
    b"01 Jan 2024 10:00:03 S UPDATE FILE admin 305 0 obj term cr file obj (OS user)",
    b"01 Jan 2024 10:00:04 D FILE MACHINE\\john Read 69 3 C:\\x.txt C:\\a.exe pc MACHINE\\john",
]
SLOW = [
    b"01 Jan 2024 10:00:05 D FILE        root Read 69 3 /etc/shadow /bin/cat tty1 root",  # padded
    b"01 Jan 2024 10:00:06 C LOGIN bob 59 2 pts/1 /bin/login",  # product error: any layout
    b"01 Jan 2024 10:00:07 P TRACE a b c FILE x 55 text",  # no platform clue: a warning
    b"01 Jan 2024 10:00:08 S UPDATE FILE admin 305 0 obj term notselang x",  # costs 30
    b"01 Jan 2024 10:00:09 D FILE root Read 69 3 Files\\x.txt /bin/cat tty1 root",  # fragment
    b"01 Jan 2024 10:00:10 P LOGIN bob 59 2 pts\\1 /bin/login",  # a backslash in a word
    b"    Status: Denied",
]


def test_decided_lines_are_the_unambiguous_costless_ones() -> None:
    data = b"\n".join(FAST + SLOW) + b"\n"
    vec = _vector(data, 1, False, plan(None), default_tables(), 1 << 20)
    assert vec.fast["line"].to_list() == list(range(1, len(FAST) + 1))
    assert [row + 1 for row, _, _ in vec.slow] == list(
        range(len(FAST) + 1, len(FAST) + len(SLOW) + 1)
    )
    events = vec.fast["event"].to_list()
    assert events == ["resource_access", "login", "trace", "db_admin", "resource_access"]
    assert vec.fast["platform"].to_list() == ["unix", None, "unix", None, "windows"]


def test_space_set_is_every_isspace_character() -> None:
    every = "".join(c for c in map(chr, range(0x110000)) if c.isspace())
    assert every == SPACES
