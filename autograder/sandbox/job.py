"""A job: one submission's executor, reached over its own socket, and how running its cells ended.

Every wait has a deadline from the submission's `Budget`; every message from the executor is read
through `messages.parse`, and a malformed one is the submission's doing (student code shares the
executor's process), reported as such, never trusted.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Sequence

from ..errors import InternalError, SandboxLost
from . import messages
from .budget import Budget
from .protocol import ProtocolError, close_fds, recv_message, send_message

if TYPE_CHECKING:
    from .caller import Caller


class Ending(Enum):
    """How running a notebook's cells ended."""

    COMPLETED = "completed"  # every cell ran (some may have raised: that is the cells' report)
    TIMEOUT = "timeout"  # a cell ran past its time limit, or the submission's time ran out
    DIED = "died"  # the executor died (a cell killed it, or the memory limit did)
    MALFORMED = "malformed"  # the executor sent something the grader refuses: nothing it said is used


@dataclass(frozen=True)
class Execution:
    """What executing the notebook's cells produced."""

    cells: tuple[messages.CellReport, ...] = ()
    names: dict[str, messages.NameKind] = field(default_factory=dict)  # each name the tests bind -> its kind
    stdout: str = ""
    namespace: dict[str, messages.NameKind] | None = None  # every public name -> its kind, when asked for (`env`)
    ending: Ending = Ending.COMPLETED
    stopped_at: int | None = None  # the cell during which the executor died or ran out of time
    detail: str = ""  # for MALFORMED: what was wrong with the executor's message


class Job:
    """One submission's executor, reached over its own socket."""

    def __init__(self, sock: socket.socket, pid: int, *, pidns: str = ""):
        self.sock = sock
        self.pid = pid
        self.pidns = pidns  # the job's PID namespace ("" in Landlock-only mode)

    def execute(self, cells: list[str], *, notebook: str, names: list[str],
                skip: set[int], cell_seconds: float, budget: Budget,
                files: Sequence[tuple[str, bytes]] = (), namespace: bool = False) -> Execution:
        """Run the cells; stop at the first cell that kills the executor or overruns its time.

        `files` ((relative path, content) pairs) are written beside the notebook first; with
        `namespace`, the execution also lists every public name the notebook defined and its kind.

        Raises InternalError when the executor dies before running any cell: the sandbox failed
        to set itself up, which is the grader's fault, not the notebook's.
        """
        try:  # no student code has run yet: an executor that cannot take its job is ours
            send_message(self.sock, {"op": "execute", "cells": cells, "notebook": notebook, "names": names,
                                     "skip": sorted(skip), "namespace": namespace,
                                     "files": [[name, index] for index, (name, _data) in enumerate(files)]},
                         [data for _name, data in files])
        except OSError as error:
            raise InternalError(f"the sandbox failed to set itself up before running any cell ({error})") from None
        current = None
        while True:
            try:
                with budget.waiting():
                    header, blobs, _fds = recv_message(self.sock, deadline=budget.deadline(cell_seconds))
                message = messages.parse(header, blobs, expect=("cell", "executed"), cells=len(cells), names=tuple(names))
            except socket.timeout:
                return Execution(stopped_at=current, ending=Ending.TIMEOUT)
            except ProtocolError as error:
                return Execution(stopped_at=current, ending=Ending.MALFORMED, detail=str(error))
            except (EOFError, OSError) as error:
                if current is None and len(skip) < len(cells):
                    raise InternalError(f"the sandbox failed to set itself up before running any cell ({error})") from None
                return Execution(stopped_at=current, ending=Ending.DIED)
            if isinstance(message, messages.CellStarted):
                current = message.index
            else:
                return Execution(cells=message.cells, names=message.names, stdout=message.stdout,
                                 namespace=message.namespace)

    def caller(self) -> Caller:
        """Fork a fresh caller from the executed notebook."""
        received: list[int] = []
        try:
            send_message(self.sock, {"op": "fork"})
            header, blobs, received = recv_message(self.sock, fds=1, deadline=time.monotonic() + 10)
            forked = messages.parse(header, blobs, expect=("forked",))
        except (EOFError, OSError, ProtocolError, socket.timeout) as error:
            close_fds(received)
            raise SandboxLost(f"the process holding your notebook stopped answering ({error})") from None
        from .caller import Caller

        return Caller(self, socket.socket(fileno=received[0]), forked.pid)

    def close(self) -> None:
        self.sock.close()
