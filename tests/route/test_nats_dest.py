"""How a batch is cut into NATS messages: every link once, in order; at most ``batch`` links
and ``MESSAGE_BYTES`` of payload a message (a larger record alone); each message as full as
those limits allow."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from seaudit.log.links import Link
from seaudit.route.nats_dest import MESSAGE_BYTES, NatsDestination
from seaudit.route.wire import Batch

sizes = st.sampled_from([0, 1, 300, 4000, MESSAGE_BYTES // 3, MESSAGE_BYTES, MESSAGE_BYTES + 1])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.none() | sizes, max_size=60), st.integers(1, 20))
def test_messages_are_full_and_within_the_limits(lengths: list[int | None], batch: int) -> None:
    links = [
        Link(i + 1, i + 1, bytes(32), bytes(32), None if n is None else b"x" * n)
        for i, n in enumerate(lengths)
    ]
    dest = NatsDestination(f"nats://127.0.0.1:4222/audit?batch={batch}")
    cuts = dest._messages(Batch.of(0, links))
    messages = [links[start:stop] for start, stop in cuts]
    assert [k for m in messages for k in m] == links

    def size(part: list[Link]) -> int:
        return sum(len(k.payload or b"") for k in part)

    for i, message in enumerate(messages):
        assert 1 <= len(message) <= batch
        assert len(message) == 1 or size(message) <= MESSAGE_BYTES
        if i + 1 < len(messages):  # the next link would not have fitted
            grown = [*message, messages[i + 1][0]]
            assert len(grown) > batch or size(grown) > MESSAGE_BYTES
