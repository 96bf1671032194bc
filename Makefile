# Every target installs what it needs on first use: a fresh clone needs only `make grade` or `make test`.
# The virtual environment is built on the system's /usr/bin/python3 so that the sandbox's unprivileged
# uid can read the interpreter and its standard library (a pyenv build under /root cannot be read).
SYSTEM_PYTHON ?= /usr/bin/python3
# .venv in the checkout, unless root grades from a folder other users cannot enter (under /root, say):
# then a folder of its own under /opt, since the sandbox's unprivileged uid must be able to read the
# venv. An ordinary user's sandbox runs as that user, so their .venv is always readable to it.
VENV ?= $(shell $(SYSTEM_PYTHON) -c 'import hashlib, os, pathlib; here = pathlib.Path.cwd(); \
	entered = os.geteuid() != 0 or all(os.stat(p).st_mode & 0o001 for p in (here, *here.parents)); \
	print(".venv" if entered else "/opt/conv-grader/venv-" + hashlib.sha1(str(here).encode()).hexdigest()[:12])')
PYTHON := $(VENV)/bin/python
ASSIGNMENT ?= assignments/conv-math
# The assignment's name is its folder's: the Gradescope zip is dist/<name>-autograder.zip.
ASSIGNMENT_NAME = $(notdir $(patsubst %/,%,$(ASSIGNMENT)))
# make bench: folders of submissions of $(ASSIGNMENT) the benchmark corpus is made of (with its solution
# and blank notebook); the project's own corpora are conv-math's.
BENCH_CORPUS ?= $(if $(filter conv-math,$(ASSIGNMENT_NAME)),tests/submissions/correct tests/submissions/mutants tests/submissions/examples,\
	$(wildcard tests/submissions/$(ASSIGNMENT_NAME)/examples tests/submissions/$(ASSIGNMENT_NAME)/mutants))
# make grade without SUBMISSIONS grades the assignment's bundled examples
SUBMISSIONS ?= $(if $(filter conv-math,$(ASSIGNMENT_NAME)),tests/submissions/examples,tests/submissions/$(ASSIGNMENT_NAME)/examples)
OUT ?= out
WORKERS ?=
# make grade FORCE=1 grades everything again; ONLY=<name> grades that submission again;
# ROSTER=<csv> names the students in every export; HAND=<folder> holds the hand-grades CSVs
# (default: hand-grades/ beside $(OUT)).
FORCE ?=
ONLY ?=
ROSTER ?=
HAND ?=
REPORT_OPTIONS = $(if $(ROSTER),--roster $(ROSTER)) $(if $(HAND),--hand-grades $(HAND))

.PHONY: venv browser assign grade merge test bench gradescope gradescope-image-test clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	test -x $(PYTHON) || $(SYSTEM_PYTHON) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	$(PYTHON) -c 'import site, sys; open(site.getsitepackages()[0] + "/conv-grader.pth", "w").write(sys.argv[1] + "\n")' "$(CURDIR)"
	touch $@

assign: venv
	$(PYTHON) -m autograder assign $(ASSIGNMENT)

grade: venv
	$(PYTHON) -m autograder grade $(SUBMISSIONS) --assignment $(ASSIGNMENT) --out $(OUT) $(if $(WORKERS),--workers $(WORKERS)) \
		$(if $(FORCE),--force) $(foreach name,$(ONLY),--only $(name)) $(REPORT_OPTIONS)

# Hand grades (hand-grades/*.csv, saved from out/hand-grading/<question>.html) and the roster into every report.
merge: venv
	$(PYTHON) -m autograder merge --out $(OUT) $(REPORT_OPTIONS)

# The summary and hand-grading pages are checked in a real headless browser: Debian's chromium, driven
# through chromium-driver by selenium (pinned in requirements-dev.txt).
browser:
	@{ command -v chromium && command -v chromedriver; } >/dev/null 2>&1 || { \
		echo "installing Debian's chromium and chromium-driver for the browser tests"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; } || \
		echo "WARNING: chromium could not be installed; the browser tests will be skipped"; }

test: venv browser
	$(PYTHON) -m pytest

# The Gradescope zip's setup.sh and run_autograder on a bare Debian image made with mmdebstrap (slow: CI runs it).
gradescope-image-test: venv
	command -v mmdebstrap >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null
	CONV_GRADER_IMAGE_TEST=1 $(PYTHON) -m pytest -q tests/test_gradescope_image.py

bench: venv
	$(PYTHON) -m autograder.bench --assignment $(ASSIGNMENT) $(foreach folder,$(BENCH_CORPUS),--corpus $(folder)) \
		$(if $(BENCH_SIZES),--sizes $(BENCH_SIZES))

gradescope: venv
	$(PYTHON) -m autograder gradescope-zip --assignment $(ASSIGNMENT) --out dist/$(ASSIGNMENT_NAME)-autograder.zip

clean:
	rm -rf $(OUT) dist
