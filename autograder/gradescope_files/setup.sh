#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image (Ubuntu 22.04 base).
#
# It builds a virtual environment with the pinned requirements from requirements.txt in a
# world-readable place outside /autograder/source: the sandbox's unprivileged uid must read the
# interpreter and site-packages, while /autograder/source stays unreadable to it.
#
#   CONV_GRADER_VENV    where the venv goes            (default /opt/conv-grader/venv)
#   CONV_GRADER_PYTHON  the interpreter to build it on (default: python3.11, installed with apt if missing)
#
# Our pins (numpy 2.4) need Python >= 3.11 and Ubuntu 22.04's python3 is 3.10, so python3.11 and
# python3.11-venv come from Ubuntu's own packages.  Nothing here downloads a browser or a conda
# distribution.  Running it again is fast: an environment built from the same requirements and
# interpreter is kept as it is.
set -euo pipefail
umask 022

SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${CONV_GRADER_VENV:-/opt/conv-grader/venv}"
REQUIREMENTS="$SOURCE/requirements.txt"
STAMP="$VENV/.conv-grader-requirements"

log() { printf 'setup.sh: %s\n' "$*"; }

case "$VENV" in
    "$SOURCE"/*|/autograder/*)
        log "error: CONV_GRADER_VENV=$VENV: the sandbox cannot read /autograder, so it would not see the" \
            "interpreter there; use a folder such as /opt/conv-grader/venv" >&2
        exit 1 ;;
esac

python_ok() {  # is $1 a Python >= 3.11 that can build a venv with pip?
    "$1" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1
}

PYTHON="${CONV_GRADER_PYTHON:-}"
if [ -z "$PYTHON" ]; then
    # The distribution's interpreter first: one in a private home (pyenv) cannot be read by the sandbox.
    for candidate in /usr/bin/python3.11 /usr/local/bin/python3.11 "$(command -v python3.11 || true)"; do
        if [ -n "$candidate" ] && [ -x "$candidate" ]; then PYTHON="$candidate"; break; fi
    done
    if [ -z "$PYTHON" ] || ! python_ok "$PYTHON"; then
        log "installing python3.11 and python3.11-venv with apt"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends python3.11 python3.11-venv >/dev/null
        PYTHON="$(command -v python3.11)"
    fi
fi
if ! python_ok "$PYTHON"; then
    log "error: $PYTHON is not a Python >= 3.11 with the venv module" >&2
    exit 1
fi

WANTED="$("$PYTHON" -c 'import sys; print(sys.version.split()[0], sys.executable)') $(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANTED" ]; then
    log "virtual environment $VENV is up to date"
else
    if [ -e "$VENV" ]; then
        if [ ! -f "$VENV/pyvenv.cfg" ]; then
            log "error: $VENV exists and is not a virtual environment; set CONV_GRADER_VENV elsewhere" >&2
            exit 1
        fi
        log "rebuilding $VENV (requirements or interpreter changed)"
        rm -rf "$VENV"
    fi
    mkdir -p "$(dirname "$VENV")"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$REQUIREMENTS"
    printf '%s\n' "$WANTED" > "$STAMP"
    log "virtual environment $VENV built with $("$VENV/bin/python" -V)"
fi

# The sandbox's uid must read the interpreter and site-packages (the folders above $VENV are
# checked below, not changed: a venv under a private home folder is refused, not opened up).
chmod -R a+rX "$VENV"

# Fail now, at upload, rather than on the first submission.
scratch="$(mktemp -d)"
MPLCONFIGDIR="$scratch" "$VENV/bin/python" -c 'import numpy, matplotlib, IPython, otter, nbformat' \
    || { log "error: the virtual environment cannot import its packages" >&2; rm -rf "$scratch"; exit 1; }
rm -rf "$scratch"
if command -v setpriv >/dev/null 2>&1; then
    setpriv --reuid=65534 --regid=65534 --clear-groups "$VENV/bin/python" -c 'import numpy, IPython' \
        || { log "error: an unprivileged user cannot import from $VENV (is a folder above it private?)" >&2; exit 1; }
fi
log "done"
