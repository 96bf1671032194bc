"""conv-grader: build assignments from one Otter Assign source and grade notebooks in a sandbox.

The pipeline, one module per stage:
  assign          shared source -> student notebook, solutions, test files
  assignment      assignment.toml + test files -> the trusted tests and rules of an assignment
  rules           the rule kinds: configuration, message and label, and their three enforcements
  load            submission file -> validated notebook cells (or InvalidSubmission, with the reason)
  static_checks   notebook cells -> what a rule-bound function reaches (the analysis behind rules)
  cells           notebook cells -> the source the sandbox runs (the notebook's self-checks are not)
  sandbox/        cells -> executed in an allow-listed world of their own; calls answered as plain data
    session         the facade: one submission in a worker slot (notebook run with restarts, callers)
    slot, job, caller, budget   a fork server, an executor, a caller, a submission's time
    zygote, world, protections, landlock, seccomp   the fork server and the world it builds
    removal         what the rules forbid, taken out of the sandbox before it forks
    child/          what runs inside: runtime, executor, calls, output
    protocol, messages          what crosses the socket, bounded and validated
  run_tests       trusted tests + proxies to the student's names -> question results
  grade           one submission through all of the above -> a SubmissionResult, always
  results         the frozen result model
  render/         results -> Gradescope results.json, CSV rows, HTML feedback and summary
  reports         a batch of results -> every file under <OUT>
  slots           the worker slots of a run: fork servers, sandbox uids claimed under a lock
  batch           a batch of submissions -> graded in parallel, one thread per slot
  gradebook       the TA's `grade` and `merge`: what changed, hand grades, roster, every report
  gradescope      the autograder zip, and the run inside Gradescope's container
  cli             the command line (`python -m autograder ...`)

Beside the pipeline: `checks` (helpers for instructors' hidden tests), `self_checks` (carried in
the student notebook), `similarity` (code similarity between submissions), `bench` (throughput
against `otter run`), `incremental`, `handgrading`, `roster`, `capture`, `errors`.
"""
