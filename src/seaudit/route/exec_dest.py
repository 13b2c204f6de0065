"""``exec:COMMAND ARGS...``: each batch on a command's standard input (the LogRoute API's
plug-in, as a process). The command is split like a shell would (no shell runs it); it gets
the selected records in the rule's format (default jsonl) and takes the batch by exiting 0.
"""

from __future__ import annotations

import asyncio
import io
import shlex
from collections.abc import Sequence

from seaudit.errors import UsageError
from seaudit.export import get_format
from seaudit.route.destination import DeliveryError, Entry
from seaudit.route.wire import Batch

TIMEOUT = 60.0


class ExecDestination:
    wants_records = True

    def __init__(self, url: str, fmt: str = "jsonl") -> None:
        self.url = url
        try:
            self.argv = shlex.split(url.removeprefix("exec:"))
        except ValueError as exc:
            raise UsageError(f"{url!r}: {exc}") from None
        if not self.argv:
            raise UsageError("exec: needs a command")
        self.format = get_format(fmt)

    async def deliver(self, node: str, batch: Batch, entries: Sequence[Entry]) -> None:
        if not entries:
            return
        sink = io.BytesIO()
        self.format.write([record for _, record in entries], sink)
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            raise DeliveryError(f"{self.url}: cannot run {self.argv[0]}: {exc.strerror}") from None
        try:
            _, err = await asyncio.wait_for(proc.communicate(sink.getvalue()), TIMEOUT)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise DeliveryError(f"{self.url}: no answer in {TIMEOUT:.0f} s") from None
        if proc.returncode != 0:
            tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise DeliveryError(
                f"{self.url}: exit status {proc.returncode} {tail[0][:200]!r}".rstrip()
            )

    async def close(self) -> None:
        return None
