"""conv-grader: build assignments from one Otter Assign source and grade notebooks in a sandbox.

The pipeline, one module per stage:
  assign          shared source -> student notebook, solutions, test files
  assignment      assignment.toml + test files -> the trusted tests of an assignment
  load            submission file -> validated notebook cells (or InvalidSubmission, with the reason)
  static_checks   notebook cells -> where the assignment's rules (rules.py) are broken
  sandbox/        cells -> executed in an allow-listed world of their own; calls answered as plain data
  run_tests       trusted tests + proxies to the student's names -> question results
  grade           one submission through all of the above -> a SubmissionResult, always
  results         the frozen result model
  render/         results -> Gradescope results.json, CSV rows, HTML feedback and summary
  reports         a batch of results -> every file under <OUT>
  batch           a folder of submissions -> graded in parallel, with progress and a summary
  gradescope      the autograder zip, and the run inside Gradescope's container

Beside the pipeline: `checks` (helpers for instructors' hidden tests), `similarity` (code
similarity between submissions), `bench` (throughput against `otter run`), `cli`.
"""
