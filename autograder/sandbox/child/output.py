"""What student code prints and raises, bounded before it is reported."""

from __future__ import annotations

import io

STDOUT_LIMIT = 20_000


class BoundedWriter(io.TextIOBase):
    """A text stream that keeps the first `limit` characters and drops the rest."""

    def __init__(self, limit: int = STDOUT_LIMIT):
        self.limit = limit
        self.parts: list[str] = []
        self.size = 0
        self.dropped = False

    def write(self, text: str) -> int:
        text = str(text)
        room = self.limit - self.size
        if room > 0:
            self.parts.append(text[:room])
            self.size += min(len(text), room)
        if len(text) > room:
            self.dropped = True
        return len(text)

    def getvalue(self) -> str:
        return "".join(self.parts) + ("\n[output truncated]" if self.dropped else "")

    def writable(self) -> bool:
        return True


def describe_exception(error: BaseException) -> str:
    try:
        text = f"{type(error).__name__}: {error}"
    except BaseException:
        text = "an exception whose message cannot be shown"
    return text[:500]
