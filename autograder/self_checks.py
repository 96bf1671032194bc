"""Self-checks carried inside the student notebook: `make assign` embeds this file in its setup cell.

It needs numpy and the standard library only (Python 3.9 or later), so the checks run wherever the
notebook runs: renamed, without a tests folder, on Colab, in JupyterLite, locally, without this
project. Two parts:

- checks that public tests call (`expect_array`, `expect_int`, `expect_pair`, `expect_names`). The
  grader runs the same public tests with these same helpers, so the notebook and the feedback page
  say the same words; a failure raises `CheckFailed`, an AssertionError that may name a misconception.
- `SelfChecks`, the object behind `grader.check("q1")`: it runs a question's public tests with each
  student name bound to a guarded stand-in that applies the grader's rules with the grader's words
  (inputs not modified, the assignment's rules from `RULES` with their messages and labels, a result
  that is plain numeric data, a time limit) and shows each failure once.

The grader never runs any of this from a submission: it runs its own copy of every test.
"""

import copy
import html
import os
import sys
import time
import types

import numpy as np

# ------------------------------------------------------------------ checks that public tests call


class CheckFailed(AssertionError):
    """A public check failed: `message` says what came back and what was expected."""

    def __init__(self, message, misconception=None):
        super().__init__(message)
        self.message = message
        self.misconception = misconception

    def __str__(self):
        return self.message


def describe(value):
    """A short description of a value's type, for messages (the grader's words)."""
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, np.generic):
        return f"a numpy scalar {type(value).__name__}"
    return f"a {type(value).__name__}"


NOT_IMPLEMENTED_HINT = "is its body still `...`, or does it lack a `return`?"
TRUNCATES = "integer array truncates fractions"
OVERFLOW = "fixed-width integer overflow"
FLOAT_COUNT = "float count"


def expect_implemented(name, got):
    """A function that returns None (a body still `...`, a missing `return`) is not implemented yet."""
    if got is None or got is Ellipsis:
        raise CheckFailed(f"{name} is not implemented yet: it returned {'None' if got is None else '...'} ({NOT_IMPLEMENTED_HINT})")


def _scale(expected):
    magnitude = float(np.max(np.abs(expected))) if expected.size else 0.0
    return max(1.0, magnitude) if np.isfinite(magnitude) else 1.0


def _close(got, expected, rtol=1e-6, atol=1e-8):
    if got.dtype.kind == "f" and got.dtype.itemsize < 8:  # float32 sums are right to about 1e-6 only
        rtol, atol = max(rtol, 1e-4), max(atol, 1e-5)
    return bool(np.allclose(got, expected, rtol=rtol, atol=atol * _scale(expected)))


def _matches(got, value):
    try:
        value = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False
    return isinstance(got, np.ndarray) and got.dtype.kind in "biuf" and got.shape == value.shape and _close(got, value)


COMPLEX_HINT = "complex numbers whose imaginary parts are only rounding: keep their .real part"


def expect_array(name, got, expected, *, call="", why="", shape_hint="", mistakes=None, complex_hint=COMPLEX_HINT):
    """`got` is a real numpy array of the shape and values of `expected` (the grader's checks and words).

    `call` spells the public example (`fc_layer(X, W, U) with X = [[1, 2]]`), `why` explains the
    expected values, `mistakes` maps a misconception to the wrong answer it gives on this example,
    `complex_hint` says what to do about a complex result (the assignment may know where it comes from).
    """
    expected = np.asarray(expected, dtype=float)
    expect_implemented(name, got)
    if not isinstance(got, np.ndarray):
        raise CheckFailed(f"{name} returned {describe(got)}; expected a numpy array of shape {expected.shape}.")
    if got.dtype.kind not in "biuf":
        hint = f" ({complex_hint})" if got.dtype.kind == "c" and complex_hint else ""
        raise CheckFailed(f"{name} returned an array of dtype {got.dtype}; expected real numbers{hint}.")
    if got.shape != expected.shape:
        hint = f" ({shape_hint})" if shape_hint else ""
        raise CheckFailed(f"{name} returned shape {got.shape}; expected shape {expected.shape}{hint}.")
    if not _close(got, expected):
        wrong = int(np.sum(~np.isclose(got, expected, rtol=1e-6, atol=1e-8 * _scale(expected))))
        if got.dtype.kind in "iub" and not np.allclose(expected, np.round(expected), rtol=0, atol=1e-9 * _scale(expected)):
            raise CheckFailed(
                f"{name} returned an array of the integer dtype {got.dtype}, but the answer has fractions, so {wrong} of "
                f"{got.size} values are wrong: every value stored in an integer array is cut to an integer. Make the "
                "output with dtype=float (np.zeros_like(X), np.full((h, w), u) and U.copy() of integer inputs are "
                "integer arrays).", TRUNCATES)
        label = next((m for m, value in (mistakes or {}).items() if _matches(got, value)), None)
        explain = f" ({why})" if why else ""
        raise CheckFailed(f"{call or name} returned {got.tolist()}; expected {expected.tolist()}{explain}.", label)


def _int64_wrapped(value):
    return (int(value) + 2**63) % 2**64 - 2**63


def _short_int(value):
    text = str(value)
    return text if len(text) <= 40 else f"a {len(text)}-digit number ({text[:12]}...)"


def expect_int(call, got, expected, *, mistakes=None):
    """`got` is an exact integer (a Python int, or a numpy integer of the right value) equal to
    `expected`; a float is refused, as the grader does (floats lose digits past 2**53)."""
    expect_implemented(call, got)
    if isinstance(got, (bool, np.bool_)):
        raise CheckFailed(f"{call} returned a bool; expected an exact Python int.")
    if isinstance(got, (float, np.floating)):
        raise CheckFailed(f"{call} returned {describe(got)}; a count is an exact Python int "
                          "(floats such as 1e12, math.pow or ** 2.0 lose digits beyond 2**53).", FLOAT_COUNT)
    if not isinstance(got, (int, np.integer)):
        raise CheckFailed(f"{call} returned {describe(got)}; expected an exact Python int.")
    value = int(got)
    if value == expected:
        return
    if value == _int64_wrapped(expected):
        kind = describe(got) if isinstance(got, np.integer) else "an int"
        raise CheckFailed(
            f"{call} returned {kind} with the value {_short_int(value)}, which is {_short_int(expected)} wrapped around "
            "in 64 bits: numpy integers (np.int64, np.prod, np.square, arrays' .shape products) overflow past 2**63; "
            "compute with Python ints.", OVERFLOW)
    label = next((m for m, wrong in (mistakes or {}).items() if value == wrong), None)
    raise CheckFailed(f"{call} returned {_short_int(value)}; expected {_short_int(expected)}.", label)


def expect_pair(name, got, parts):
    """`got` is a pair (a tuple or a list of two items); returns it as a tuple."""
    expect_implemented(name, got)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise CheckFailed(f"{name} returned {describe(got)}; expected a pair {parts}.")
    return tuple(got)


def expect_names(name, got, choices):
    """`got` is a set, list or tuple of names among `choices`; returns them as a set."""
    expect_implemented(name, got)
    if not isinstance(got, (set, frozenset, list, tuple)):
        raise CheckFailed(f"{name} is {describe(got)}; expected a set, list or tuple of layer names.")
    unknown = sorted(str(n) for n in got if n not in choices)
    if unknown:
        raise CheckFailed(f"{name} contains {unknown}; the names to choose from are {list(choices)}.")
    return set(got)


# ------------------------------------------------------------------ the grader's rules, in the notebook

NUMERIC_KINDS = "biufc"
PLAIN_DATA = "expected plain data: numbers, strings, lists, tuples, sets or numpy arrays."


class StudentFault(Exception):
    """The student's code broke a rule or failed: the check fails with this message."""

    def __init__(self, message, misconception=None):
        super().__init__(message)
        self.message = message
        self.misconception = misconception


def _an(type_name):
    return "still `...` (an ellipsis)" if type_name == "ellipsis" else f"an object of type {type_name}"


def _type_name(tp):
    module = getattr(tp, "__module__", "builtins")
    return tp.__qualname__ if module in ("builtins", "__main__") else f"{module}.{tp.__qualname__}"


def unsupported(value, depth=0):
    """The type name of the first part of `value` that is not plain data, or None."""
    tp = type(value)
    if value is None or tp in (bool, int, float, complex, str):
        return None
    if tp in (list, tuple, set, frozenset) and depth < 20:
        return next((u for u in (unsupported(v, depth + 1) for v in value) if u is not None), None)
    if tp is dict and depth < 20:
        return next((u for u in (unsupported(v, depth + 1) for kv in value.items() for v in kv) if u is not None), None)
    if tp is np.ndarray:
        return None if value.dtype.kind in NUMERIC_KINDS and value.dtype.fields is None else f"numpy array of dtype {value.dtype}"
    if isinstance(value, np.generic) and tp.__module__ == "numpy" and np.dtype(tp).kind in NUMERIC_KINDS:
        return None
    return _type_name(tp)


def _snapshot(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(_snapshot(v) for v in value) if type(value) in (list, tuple) else copy.deepcopy(value)
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    try:
        return copy.deepcopy(value)
    except Exception:
        return value


def _same(a, b):
    if isinstance(a, np.ndarray):
        return (isinstance(b, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype
                and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")))
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return type(b) is dict and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    try:
        return type(a) is type(b) and bool(a == b or (a != a and b != b))
    except Exception:
        return True


def forbidden_name(module, routine, forbidden):
    """The rule's name for routine `routine` of module `module` if it is forbidden, else None."""
    module = module or ""
    for prefix in forbidden:
        package, _, name = prefix.rpartition(".")
        if package == "numpy":  # numpy's routines also live in numpy._core.*, some in C with a 2 suffix
            if (module == "numpy" or module.startswith("numpy.")) and routine in (name, name + "2"):
                return prefix
        elif module == prefix or module.startswith(prefix + "."):
            return f"{prefix}.{routine}" if routine else prefix
    return None


def _object_rule_name(value, forbidden):
    if isinstance(value, types.ModuleType):
        return forbidden_name(value.__name__, "", forbidden)
    if callable(value) and not isinstance(value, type):
        return forbidden_name(getattr(value, "__module__", "") or "", getattr(value, "__name__", ""), forbidden)
    return None


def _code_names(code):
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def library_use(function, forbidden, _seen=None):
    """(routine, helper) when `function`'s code reaches a forbidden routine through the names it
    uses (resolved to the objects they are bound to), directly or through a notebook function."""
    code = getattr(function, "__code__", None)
    scope = getattr(function, "__globals__", None)
    if code is None or scope is None:
        return None
    seen = _seen if _seen is not None else set()
    seen.add(id(function))
    names = _code_names(code)
    helpers = []
    for name in sorted(names):
        if name not in scope:
            continue
        value = scope[name]
        found = _object_rule_name(value, forbidden)
        if found is None and isinstance(value, types.ModuleType):  # np.einsum, scipy.linalg.solve
            for attr in sorted(names):
                part = getattr(value, attr, None) if not attr.startswith("__") else None
                found = _object_rule_name(part, forbidden) if part is not None else None
                if found is not None and isinstance(part, types.ModuleType):
                    deeper = [a for a in sorted(names) if callable(getattr(part, a, None)) and not a.startswith("_")]
                    found = f"{found}.{deeper[0]}" if deeper else found
                if found is not None:
                    break
        if found is not None:
            return found, ""
        if isinstance(value, types.FunctionType) and value.__globals__ is scope and id(value) not in seen:
            helpers.append((name, value))
    for name, helper in helpers:
        found = library_use(helper, forbidden, seen)
        if found is not None:
            return found[0], found[1] or name
    return None


class _Tripwire:
    """Records calls into forbidden routines while a rule-bound function runs (sys.setprofile):
    `hits` holds (routine, rule) pairs, for the `forbidden_calls` rules given."""

    def __init__(self, rules):
        self.rules = rules
        self.hits = []

    def _profile(self, frame, event, arg):
        if self.hits:
            return
        if event == "call":
            module, routine = frame.f_globals.get("__name__", ""), frame.f_code.co_name
        elif event == "c_call":
            owner = getattr(arg, "__self__", None)
            module = getattr(arg, "__module__", None) or getattr(owner, "__name__", "") if not isinstance(owner, np.ndarray) else "numpy"
            module, routine = module if isinstance(module, str) else "", getattr(arg, "__name__", "")
        else:
            return
        for rule in self.rules:
            found = forbidden_name(module, routine, rule["forbidden"])
            if found:
                self.hits.append((found, rule))
                return

    def __enter__(self):
        self.previous = sys.getprofile()
        sys.setprofile(self._profile)
        return self

    def __exit__(self, *exc):
        sys.setprofile(self.previous)
        return False


class _TimeLimit:
    """Stops a call after `seconds` where the platform allows it (a Unix main thread)."""

    def __init__(self, seconds, name):
        self.seconds, self.name, self.armed = seconds, name, False

    def _expired(self, signum, frame):
        raise StudentFault(f"{self.name} did not return within the test's time limit (an endless loop, or far too slow).")

    def __enter__(self):
        try:
            import signal
            import threading

            if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
                self.previous = signal.signal(signal.SIGALRM, self._expired)
                signal.setitimer(signal.ITIMER_REAL, self.seconds)
                self.armed = True
        except (ImportError, ValueError, OSError):
            self.armed = False
        return self

    def __exit__(self, *exc):
        if self.armed:
            import signal

            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
        return False


class Guarded:
    """Stands for a student function in a public test, as the grader's proxy does: same rules, same words."""

    def __init__(self, name, function, rules):
        self.__name__ = name
        self.function = function
        self.rules = rules

    def __call__(self, *args, **kwargs):
        name, rules = self.__name__, self.rules
        bound = [r for r in rules["rules"] if r["kind"] == "forbidden_calls" and name in r["functions"]]
        for rule in bound:
            found = library_use(self.function, rule["forbidden"])
            if found is not None:
                via = f" (through {found[1]})" if found[1] else ""
                raise StudentFault(f"{name} uses {found[0]}{via}: {rule['message']}", rule["label"])
        before = [_snapshot(a) for a in args], {k: _snapshot(v) for k, v in kwargs.items()}
        wire = _Tripwire(bound)
        error = None
        with _TimeLimit(rules["seconds"], name):
            try:
                if bound:
                    with wire:
                        value = self.function(*args, **kwargs)
                else:
                    value = self.function(*args, **kwargs)
            except StudentFault:
                raise
            except Exception as raised:
                error = raised
        if wire.hits:
            routine, rule = wire.hits[0]
            raise StudentFault(f"{name} called {routine} while it ran: {rule['message']}", rule["label"])
        changed = [f"#{i + 1}" for i, (a, b) in enumerate(zip(before[0], args)) if not _same(a, b)]
        changed += [k for k in before[1] if not _same(before[1][k], kwargs.get(k))]
        if changed:
            raise StudentFault(f"{name} changed its argument {', '.join(changed)} in place; functions must not modify their inputs.")
        if error is not None:
            raise StudentFault(f"{name} raised {type(error).__name__}: {error}"[:600])
        bad = unsupported(value)
        if bad is not None:
            raise StudentFault(f"{name} returned {_an(bad)}, which cannot be graded; {PLAIN_DATA}")
        return _snapshot(value)


# ------------------------------------------------------------------ grader.check in the notebook


class test_case:
    """Otter's exception-based test decorator, as the carried tests use it."""

    def __init__(self, name=None, points=None, hidden=False, success_message=None, failure_message=None):
        self.name, self.points, self.hidden = name, points, hidden
        self.test_func = None

    def __call__(self, test_func):
        self.test_func = test_func
        return self


class Outcome:
    def __init__(self, name, passed, message="", misconception=None):
        self.name, self.passed, self.message, self.misconception = name, passed, message, misconception


class QuestionChecks:
    """What one `grader.check("qN")` shows: a verdict line, then each public check once."""

    def __init__(self, question, outcomes, hidden_note):
        self.question, self.outcomes, self.hidden_note = question, outcomes, hidden_note

    @property
    def passed(self):
        return all(o.passed for o in self.outcomes)

    def verdict(self):
        n = len(self.outcomes)
        if self.passed:
            return f"{self.question}: all {n} public checks passed."
        failed = sum(not o.passed for o in self.outcomes)
        return f"{self.question}: {failed} of {n} public checks failed."

    def lines(self):
        if self.passed:
            return [self.verdict(), self.hidden_note]
        out = [self.verdict()]
        for o in self.outcomes:
            out.append(f"{'✓' if o.passed else '✗'} {o.name}")
            if not o.passed:
                out.append(f"    {o.message}")
                if o.misconception:
                    out.append(f"    Likely misconception: {o.misconception}")
        return out

    def __repr__(self):
        return "\n".join(self.lines())

    def _repr_html_(self):
        color = "#1a7f37" if self.passed else "#b42318"
        parts = [f"<p style='color:{color}'><strong>{html.escape(self.verdict())}</strong></p>"]
        if self.passed:
            parts.append(f"<p>{html.escape(self.hidden_note)}</p>")
            return "".join(parts)
        parts.append("<ul style='list-style:none;padding-left:0'>")
        for o in self.outcomes:
            mark = "✓" if o.passed else "✗"
            item = f"{mark} <code>{html.escape(o.name)}</code>"
            if not o.passed:
                item += f"<br>{html.escape(o.message)}"
                if o.misconception:
                    item += f"<br><strong>Likely misconception:</strong> {html.escape(o.misconception)}"
            parts.append(f"<li style='margin-bottom:.5em'>{item}</li>")
        parts.append("</ul>")
        return "".join(parts)


class AllChecks:
    """What `grader.check_all()` shows: one line per question, and every failure once."""

    def __init__(self, results):
        self.results = results

    def _tail(self):
        return [self.results[0].hidden_note] if self.results and all(r.passed for r in self.results) else []

    def __repr__(self):
        passed = sum(r.passed for r in self.results)
        head = f"{passed} of {len(self.results)} questions pass their public checks."
        body = ["\n".join(r.lines()) if not r.passed else r.verdict() for r in self.results]
        return "\n\n".join([head, *body, *self._tail()])

    def _repr_html_(self):
        passed = sum(r.passed for r in self.results)
        head = f"<p><strong>{passed} of {len(self.results)} questions pass their public checks.</strong></p>"
        return head + "".join(r._repr_html_() if not r.passed else
                              f"<p style='color:#1a7f37'>{html.escape(r.verdict())}</p>" for r in self.results) + \
            "".join(f"<p>{html.escape(t)}</p>" for t in self._tail())


class Namespace:
    """`env` in a public test: the notebook's names, each bound as a test parameter of that name would be
    (a guarded function, or a copy of a value), as the grader's `env` gives them."""

    def __init__(self, checks, scope):
        self._checks, self._scope = checks, scope

    # the grader's env leaves out the same names (autograder/sandbox/child/executor.py, NOT_STUDENT_NAMES), and modules
    NOT_STUDENT_NAMES = frozenset({"In", "Out", "get_ipython", "exit", "quit", "grader", "SELF_CHECKS_CODE", "PUBLIC_TESTS", "RULES"})

    def _names(self):
        return sorted(n for n, v in list(self._scope.items()) if isinstance(n, str) and n.isidentifier() and not n.startswith("_")
                      and n not in self.NOT_STUDENT_NAMES and not isinstance(v, types.ModuleType))

    def __getitem__(self, name):
        return self._checks._bind(name, self._scope if name in self else {})  # a name it leaves out is missing

    def get(self, name, default=None):
        return self[name] if name in self else default

    def __contains__(self, name):
        return name in self._names()

    def __iter__(self):
        return iter(self._names())

    def __len__(self):
        return len(self._names())

    def keys(self):
        return self._names()


class SelfChecks:
    """`grader.check("q1")` for a notebook that carries its public tests (`tests`: question -> source)."""

    def __init__(self, tests, rules, hidden_note):
        self.tests, self.rules, self.hidden_note = dict(tests), dict(rules), hidden_note
        helpers = types.ModuleType("self_checks")
        for name in ("CheckFailed", "describe", "expect_implemented", "expect_array", "expect_int", "expect_pair", "expect_names"):
            setattr(helpers, name, globals()[name])
        self.helpers = helpers

    def _cases(self, question):
        if question not in self.tests:
            raise ValueError(f"there is no question {question!r}; the questions with checks are {sorted(self.tests)}")
        saved = sys.modules.get("self_checks")
        sys.modules["self_checks"] = self.helpers
        try:
            namespace = {"__name__": f"checks_{question}", "test_case": test_case}
            exec(compile(self.tests[question], f"<public checks of {question}>", "exec"), namespace)
        finally:
            if saved is None:
                sys.modules.pop("self_checks", None)
            else:
                sys.modules["self_checks"] = saved
        return [v for v in namespace.values() if isinstance(v, test_case) and not v.hidden]

    def _bind(self, name, scope):
        if name not in scope:
            raise StudentFault(f"this test needs `{name}`, which your notebook does not define "
                               "(check the spelling, and that its cell runs without an error).")
        value = scope[name]
        if callable(value) and not isinstance(value, type):
            return Guarded(name, value, self.rules)
        bad = unsupported(value)
        if bad is not None:
            raise StudentFault(f"{name} is {_an(bad)}, which cannot be graded; {PLAIN_DATA}")
        return _snapshot(value)

    def _bind_parameter(self, name, scope):
        if name == "env":  # otter's convention: the whole namespace, each name bound as a parameter of that name
            return Namespace(self, scope)
        return self._bind(name, scope)

    def _run(self, case, scope):
        name = case.name or case.test_func.__name__
        import inspect

        saved = sys.modules.get("self_checks")
        sys.modules["self_checks"] = self.helpers
        try:
            kwargs = {p: self._bind_parameter(p, scope) for p in inspect.signature(case.test_func).parameters}
            case.test_func(**kwargs)
        except StudentFault as fault:
            return Outcome(name, False, fault.message, fault.misconception)
        except AssertionError as failure:
            return Outcome(name, False, str(failure) or "a check failed.", getattr(failure, "misconception", None))
        except Exception as error:
            return Outcome(name, False, f"the test could not check what your code returned ({type(error).__name__}); "
                           "check the type and shape your function returns.")
        finally:
            if saved is None:
                sys.modules.pop("self_checks", None)
            else:
                sys.modules["self_checks"] = saved
        return Outcome(name, True)

    def _scope(self, scope):
        if scope is not None:
            return scope
        main = sys.modules.get("__main__")
        return vars(main) if main is not None else {}

    def check(self, question, global_env=None):
        """Run question `question`'s public checks against the notebook's names."""
        scope = self._scope(global_env)
        return QuestionChecks(question, [self._run(case, scope) for case in self._cases(question)], self.hidden_note)

    def check_all(self, global_env=None):
        """Run every question's public checks."""
        scope = self._scope(global_env)
        return AllChecks([self.check(q, scope) for q in self.tests])

    def run_saved_notebook(self, path=None, timeout=300):
        """Run the saved notebook top to bottom in a fresh kernel, as the grader will; print what happened."""
        if os.environ.get("SELF_CHECKS_FRESH_RUN"):
            return None  # this is the fresh run itself
        path = path or _notebook_path()
        if path is None:
            print("Could not find the saved notebook file here (on Colab or JupyterLite it is not on this disk).\n"
                  "Check by hand instead: save, then Kernel > Restart Kernel and Run All Cells (Colab: Runtime >\n"
                  "Restart session and run all), and make sure no cell shows an error.")
            return None
        try:
            import nbclient
            import nbformat
        except ImportError:
            print(f"nbclient is not installed here, so run the check by hand: save {os.path.basename(path)}, then\n"
                  "Kernel > Restart Kernel and Run All Cells, and make sure no cell shows an error.")
            return None
        nb = nbformat.read(path, as_version=4)
        started = time.monotonic()
        os.environ["SELF_CHECKS_FRESH_RUN"] = "1"
        try:
            client = nbclient.NotebookClient(nb, timeout=timeout, allow_errors=True, kernel_name="python3",
                                             extra_arguments=["--IPKernelApp.log_level=ERROR"],
                                             resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
            client.execute()
        except Exception as error:
            print(f"The fresh run of {os.path.basename(path)} stopped: {type(error).__name__}: {str(error)[:300]}")
            return None
        finally:
            os.environ.pop("SELF_CHECKS_FRESH_RUN", None)
        code = [c for c in nb.cells if c.cell_type == "code"]
        for number, cell in enumerate(code, start=1):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    print(f"The saved {os.path.basename(path)} does NOT run top to bottom in a fresh kernel: code cell "
                          f"{number} raised {out.get('ename')}: {str(out.get('evalue'))[:300]}\n"
                          "The grader runs it the same way. Fix that cell, save, and run this check again.")
                    return None
        seconds = time.monotonic() - started
        print(f"The saved {os.path.basename(path)} ran top to bottom in a fresh kernel in {seconds:.0f} s with no error.\n"
              "(It checks the file as last saved: save again after any change.)")
        return None


def _notebook_path():
    """The path of the running notebook where the front end says it (Jupyter, VS Code), or the only
    notebook of the working directory."""
    main = sys.modules.get("__main__")
    scope = vars(main) if main is not None else {}
    for candidate in (scope.get("__vsc_ipynb_file__"), scope.get("__session__"), os.environ.get("JPY_SESSION_NAME")):
        if isinstance(candidate, str) and candidate.endswith(".ipynb") and os.path.isfile(candidate):
            return candidate
    here = [f for f in os.listdir(".") if f.endswith(".ipynb")]
    return here[0] if len(here) == 1 else None
