"""conv-grader: build assignments from one Otter Assign source and grade notebooks in a sandbox.

The pipeline, one module per stage:
  assign          source -> student notebook, solutions, test files
  load            submission file -> validated notebook cells (or an invalid-submission result)
  static_checks   notebook cells -> rule violations (library convolution where it is not allowed)
  sandbox         cells -> executed in an unprivileged, rlimited, network-less child
  run_tests       trusted test files + proxies to the child's names -> question results
  results         the frozen result model
  render          results -> Gradescope results.json, CSV rows, HTML feedback
  batch           a folder of submissions -> all of the above, in parallel, with a summary
"""
