"""Code that runs inside the sandbox, one module per job: nothing here is trusted by the grader.

Student code shares this process and may patch any of it; the grader only ever reads plain data
from the socket and checks it itself.  What it guarantees to an honest submission is IPython
semantics (magics, `!` commands, one failing cell never stopping the next) and exact reports of
calls (return value, exception, arguments changed in place).  The assignment's rules do not
depend on it: forbidden library routines are absent from this process (`sandbox/removal.py`,
before any student code runs, and their packages left out of the sandbox's file view), not
watched by code the student could rewrite.

  runtime    what the fork server prepares once, before any fork: preloads, the IPython shell,
             the `otter` stand-in, the rules' removals, a warmed-up matplotlib
  executor   one submission: run its cells, report them, then fork a caller per request
  calls      a caller: a forked copy of the executed notebook that answers the grader's calls
  output     a bounded stream for what student code prints

Process layout per submission: the executor (forked by the fork server) runs the cells, then
forks a caller that serves calls over a socket of its own, so a crash, hang or `os._exit`
inside one student function ends only that caller.
"""

from .executor import run_executor
from .runtime import Runtime

__all__ = ["Runtime", "run_executor"]
