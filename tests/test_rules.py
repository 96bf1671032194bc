"""Rules as objects (autograder/rules.py): configuration, messages and labels, and each enforcement."""

from __future__ import annotations

import pytest

from autograder.errors import InstructorError
from autograder.rules import EVASION_LABEL, ForbiddenCalls, check_sources, load_rules, removals
from autograder.sandbox.removal import Removal

OWN = {"kind": "forbidden_calls", "functions": ["smooth"], "forbidden": ["numpy.einsum", "scipy.ndimage"],
       "message": "write the sum yourself.", "label": "library smoothing used"}
SORTING = {"kind": "forbidden_calls", "functions": ["rank"], "forbidden": ["numpy.sort", "numpy.argsort"],
           "message": "sort by hand.", "label": "library sort used", "unavailable": "this question asks for your own sort"}


def test_a_rule_is_configured_from_its_table():
    (rule,) = load_rules({"own": OWN}, "assignment.toml")
    assert isinstance(rule, ForbiddenCalls) and rule.name == "own" and rule.kind == "forbidden_calls"
    assert rule.functions == ("smooth",) and rule.forbidden == ("numpy.einsum", "scipy.ndimage")
    assert rule.message == "write the sum yourself." and rule.label == "library smoothing used"
    assert rule.unavailable == rule.message  # what the sandbox says, by default the rule's message


@pytest.mark.parametrize("table, named", [
    ({**OWN, "functoins": ["smooth"]}, "unknown key `functoins`"),
    ({k: v for k, v in OWN.items() if k != "message"}, "`message` is required"),
    ({k: v for k, v in OWN.items() if k != "label"}, "`label` is required"),
    ({**OWN, "functions": []}, "`functions` must be a non-empty list"),
    ({**OWN, "functions": "smooth"}, "`functions` must be a non-empty list"),
    ({**OWN, "forbidden": ["numpy.einsum", "numpy.einsum"]}, "`forbidden` names one of its entries twice"),
    ({**OWN, "forbidden": ["numpy einsum"]}, "not a dotted module or routine name"),
    ({**OWN, "message": 3}, "`message` must be a non-empty string"),
    ({**OWN, "kind": "forbiden_calls"}, "`kind` must be one of forbidden_calls, not 'forbiden_calls'"),
    ({k: v for k, v in OWN.items() if k != "kind"}, "`kind` must be one of forbidden_calls"),
])
def test_a_wrong_rule_table_is_the_instructors_error_naming_the_rule_and_key(table, named):
    with pytest.raises(InstructorError) as raised:
        load_rules({"own": table}, "assignments/x/assignment.toml")
    assert "assignments/x/assignment.toml: rules.own" in str(raised.value) and named in str(raised.value)


def test_rules_must_be_tables():
    with pytest.raises(InstructorError, match="rules.own must be a table"):
        load_rules({"own": ["smooth"]}, "assignment.toml")
    with pytest.raises(InstructorError, match="`rules` must be a table"):
        load_rules(["own"], "assignment.toml")
    assert load_rules(None, "assignment.toml") == ()


def test_several_rules_each_charge_their_own_functions_with_their_own_words():
    rules = load_rules({"own": OWN, "sorting": SORTING}, "assignment.toml")
    cells = ["import numpy as np\nfrom scipy import ndimage",
             "def smooth(x):\n    return ndimage.uniform_filter(x)",
             "def rank(v):\n    return np.argsort(np.argsort(v))",
             "def other(v):\n    return np.sort(v)"]  # bound by no rule: may use anything
    breaches = check_sources(rules, cells)
    assert set(breaches) == {"smooth", "rank"}
    assert breaches["smooth"].rule == "own" and breaches["smooth"].misconception == "library smoothing used"
    assert breaches["smooth"].message == "smooth uses scipy.ndimage.uniform_filter: write the sum yourself."
    assert breaches["rank"].rule == "sorting" and breaches["rank"].misconception == "library sort used"
    assert breaches["rank"].message == "rank uses numpy.argsort: sort by hand."


def test_hiding_what_runs_is_filed_under_its_own_label_with_the_rules_message():
    (rule,) = load_rules({"own": OWN}, "assignment.toml")
    breach = rule.check_source(["import numpy as np\ndef smooth(x):\n    return getattr(np, 'ein' + 'sum')('i->i', x)"])["smooth"]
    assert breach.misconception == EVASION_LABEL and breach.message.endswith("write the sum yourself.")


def test_what_the_sandbox_removes_comes_from_the_rules():
    rules = load_rules({"own": OWN, "sorting": SORTING}, "assignment.toml")
    assert removals(rules) == (
        Removal("numpy.einsum", "write the sum yourself."), Removal("scipy.ndimage", "write the sum yourself."),
        Removal("numpy.sort", "this question asks for your own sort"),
        Removal("numpy.argsort", "this question asks for your own sort"))


def test_the_notebook_carries_each_rule_as_plain_data():
    (rule,) = load_rules({"sorting": SORTING}, "assignment.toml")
    assert rule.self_check() == {"kind": "forbidden_calls", "functions": ["rank"], "forbidden": ["numpy.sort", "numpy.argsort"],
                                 "message": "sort by hand.", "label": "library sort used"}


REMOVAL_PROBE = r'''
import gc, importlib, sys
import numpy as np
from autograder.sandbox.removal import Removal, remove

kept = [np.sort]  # in a list: the removal deletes the routine from every module's namespace, __main__'s too
remove((Removal("numpy.sort", "sort it yourself"), Removal("numpy.linalg", "no linear algebra here")))
found = {}
try:
    np.sort([3, 1, 2])
except NotImplementedError as error:
    found["sort"] = str(error)
try:
    getattr(np, "so" + "rt")([2, 1])
except NotImplementedError as error:
    found["computed"] = str(error)
found["held"] = sorted(name for name, module in list(sys.modules.items())
                       if any(value is kept[0] for value in list(vars(module).values())))
from numpy._core import overrides
found["registered"] = any(f is kept[0] or f is getattr(kept[0], "_implementation", None) for f in overrides.ARRAY_FUNCTIONS)
try:
    importlib.import_module("numpy.linalg")
except ModuleNotFoundError as error:
    found["import"] = str(error)
try:
    np.linalg.solve
    found["attribute"] = "reached"
except (AttributeError, ModuleNotFoundError) as error:
    found["attribute"] = type(error).__name__
found["other routines"] = float(np.median([3.0, 1.0, 2.0]))
print(repr(found))
'''


def test_the_sandbox_removes_what_the_rules_name_however_it_is_reached():
    """What `remove` does in the fork server, in a process of its own: a routine of a preloaded module
    is absent under every name and from numpy's registry, with the rule's reason; a preloaded
    subpackage is gone from its parent and cannot be imported; the rest of numpy still works."""
    import ast
    import subprocess
    import sys
    from pathlib import Path

    done = subprocess.run([sys.executable, "-c", REMOVAL_PROBE], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    found = ast.literal_eval(done.stdout.strip().splitlines()[-1])
    assert found["sort"] == found["computed"] == "numpy.sort is not available here: sort it yourself"
    assert found["held"] == [] and found["registered"] is False
    assert found["import"] == "numpy.linalg is not available here: no linear algebra here"
    assert found["attribute"] in ("AttributeError", "ModuleNotFoundError")
    assert found["other routines"] == 2.0


SECOND_RULE = '''
[rules.own_flip]
kind = "forbidden_calls"
functions = ["flip"]
forbidden = ["numpy.flipud", "numpy.fliplr"]
message = "flip reverses the rows itself here: index them."
label = "library flip used"
unavailable = "this assignment asks you to reverse the rows yourself"
'''

HONEST_SMOOTH = ("def smooth(x):\n    padded = np.concatenate([[0.0], np.asarray(x, dtype=float), [0.0]])\n"
                 "    return (padded[:-2] + padded[1:-1] + padded[2:]) / 3\n")
HONEST_FLIP = "def flip(X):\n    return X[::-1].copy()\n"


def test_two_rules_of_one_assignment_are_each_enforced_in_the_grader_and_the_sandbox(tmp_path):
    """The tiny fixture with a second rule of its own: each rule charges only its functions, with its own
    message and label, however the call is spelled, and what either forbids is absent at run time."""
    import shutil
    from pathlib import Path

    import nbformat

    from autograder.assignment import load_assignment
    from autograder.batch import Grader
    from autograder.results import Outcome

    root = Path(__file__).resolve().parents[1]
    folder = tmp_path / "tiny"
    shutil.copytree(root / "tests" / "fixtures" / "tiny", folder)
    with (folder / "assignment.toml").open("a") as config:
        config.write(SECOND_RULE)
    assignment = load_assignment(folder)
    assert [rule.name for rule in assignment.rules] == ["own_sum", "own_flip"]

    def notebook(name: str, *cells: str) -> Path:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(c) for c in ("import numpy as np", *cells)]
        path = tmp_path / f"{name}.ipynb"
        nbformat.write(nb, path)
        return path

    paths = [
        notebook("honest", HONEST_SMOOTH, HONEST_FLIP),
        notebook("both_broken", "def smooth(x):\n    return np.convolve(x, np.ones(3) / 3, mode='same')\n",
                 "def flip(X):\n    return np.flipud(X)\n"),
        notebook("flip_hidden", HONEST_SMOOTH, "def flip(X):\n    return getattr(np, 'flip' + 'ud')(X)\n"),
        notebook("flip_at_run_time", HONEST_SMOOTH, HONEST_FLIP,
                 "try:\n    getattr(np, 'flip' + 'ud')(np.eye(2))\nexcept NotImplementedError as error:\n    print(error)\n"
                 "try:\n    getattr(np, 'con' + 'volve')([1.0], [1.0])\nexcept NotImplementedError as error:\n    print(error)\n"),
    ]
    with Grader(assignment, workers=1, outside=[tmp_path]) as grader:
        honest, both, hidden, run_time = grader.grade(paths)

    def by_function(result):
        return {name: [t for t in result.tests if name in t.name] for name in ("smooth", "flip")}

    assert not any(t.outcome is Outcome.RULE for t in honest.tests), honest.tests
    broken = by_function(both)
    assert broken["smooth"] and broken["flip"]
    assert all(t.outcome is Outcome.RULE and t.misconception == "library routine used"
               and t.message.startswith("smooth uses numpy.convolve: This function calls a library convolution routine")
               for t in broken["smooth"]), broken["smooth"]
    assert all(t.outcome is Outcome.RULE and t.misconception == "library flip used"
               and t.message == "flip uses numpy.flipud: flip reverses the rows itself here: index them."
               for t in broken["flip"]), broken["flip"]
    charged = by_function(hidden)
    assert all(t.outcome is Outcome.RULE and t.misconception == "hides what it calls from the grader"
               and t.message.endswith("flip reverses the rows itself here: index them.") for t in charged["flip"])
    assert not any(t.outcome is Outcome.RULE for t in charged["smooth"])
    assert "numpy.flipud is not available here: this assignment asks you to reverse the rows yourself" in run_time.stdout
    assert "numpy.convolve is not available here: this assignment asks you to write the sum yourself" in run_time.stdout
    assert not any(t.outcome is Outcome.RULE for t in run_time.tests), run_time.tests


def test_the_notebooks_self_checks_apply_each_rule_with_its_own_words():
    """`grader.check` in the student notebook: the guarded stand-in of a function applies the rules
    that bind it (and no other), statically and while it runs, in the grader's words."""
    import numpy as np

    from autograder import self_checks

    rules = {"seconds": 5.0, "rules": [rule.self_check() for rule in load_rules({"own": OWN, "sorting": SORTING}, "a.toml")]}

    notebook = {"np": np}  # the functions as a notebook defines them, numpy imported globally
    exec("def rank(v):\n    return np.argsort(np.argsort(v))\n"
         "def smooth(x):\n    return np.einsum('i->i', x)\n"
         "def hidden_rank(v):\n    return getattr(np, 'arg' + 'sort')(v)\n", notebook)
    rank, smooth, hidden_rank = notebook["rank"], notebook["smooth"], notebook["hidden_rank"]

    for name, function, message, label in (
            ("rank", rank, "rank uses numpy.argsort: sort by hand.", "library sort used"),
            ("smooth", smooth, "smooth uses numpy.einsum: write the sum yourself.", "library smoothing used"),
            ("rank", hidden_rank, "rank called numpy.argsort while it ran: sort by hand.", "library sort used")):
        with pytest.raises(self_checks.StudentFault) as raised:
            self_checks.Guarded(name, function, rules)(np.array([3.0, 1.0, 2.0]))
        assert (raised.value.message, raised.value.misconception) == (message, label)
    assert list(self_checks.Guarded("other", rank, rules)(np.array([3.0, 1.0, 2.0]))) == [2, 0, 1]  # bound by no rule


def test_a_rule_binding_a_name_no_test_takes_is_the_instructors_error(tmp_path):
    """A misspelt function in a rule would charge nothing: loading the assignment says so, naming it."""
    import shutil
    from pathlib import Path

    from autograder.assignment import load_assignment

    folder = tmp_path / "conv-math"
    shutil.copytree(Path(__file__).resolve().parents[1] / "assignments" / "conv-math", folder)
    config = folder / "assignment.toml"
    config.write_text(config.read_text().replace('"conv2d"]', '"conv2D"]', 1))
    with pytest.raises(InstructorError, match=r"rules.own_arithmetic binds `conv2D`, which no test takes as a parameter"):
        load_assignment(folder)


@pytest.mark.parametrize("entry, says", [
    ("numpy.convolv", "numpy has no convolv (misspelt?)"),
    ("numpy.lib.stride_trick.sliding_window_view", "neither an installed module nor a routine of one"),
    ("scipy.linalg.toeplitz", "routine of scipy.linalg, which the sandbox does not preload"),
])
def test_a_forbidden_entry_the_sandbox_could_not_take_out_is_refused_when_the_assignment_loads(tmp_path, entry, says):
    """A misspelt routine would forbid nothing, and a routine of a package the fork server does not load
    would stay reachable at run time: loading the assignment says so, naming the rule and the entry."""
    import re
    import shutil
    from pathlib import Path

    from autograder.assignment import load_assignment

    copy = tmp_path / "tiny"
    shutil.copytree(Path(__file__).parent / "fixtures" / "tiny", copy)
    config = copy / "assignment.toml"
    config.write_text(re.sub(r"(?m)^forbidden = .*$", f'forbidden = ["numpy.convolve", "{entry}"]', config.read_text()))
    with pytest.raises(InstructorError, match=re.escape(says)) as raised:
        load_assignment(copy)
    assert "rules.own_sum" in str(raised.value) and repr(entry) in str(raised.value)


def test_packages_not_installed_and_routines_of_preloaded_or_standard_modules_are_accepted(tmp_path):
    import re
    import shutil
    from pathlib import Path

    from autograder.assignment import load_assignment

    copy = tmp_path / "tiny"
    shutil.copytree(Path(__file__).parent / "fixtures" / "tiny", copy)
    config = copy / "assignment.toml"
    accepted = ["no_such_library_installed", "numpy.convolve", "numpy.lib.stride_tricks.sliding_window_view",
                "statistics.mean", "scipy.linalg"]
    config.write_text(re.sub(r"(?m)^forbidden = .*$", f"forbidden = {accepted!r}".replace("'", '"'), config.read_text()))
    assert [r.name for r in load_assignment(copy).removals] == accepted


@pytest.mark.parametrize("preload, named", [('["nmupy"]', "sandbox.preload names nmupy, whose package is not installed"),
                                            ('["numpy", "numpy linalg"]', "sandbox.preload entry 'numpy linalg' is not a module name")])
def test_a_preload_the_sandbox_could_not_import_is_the_instructors_error(tmp_path, preload, named):
    """The fork server imports the preloads before it forks: one it cannot import would stop every slot."""
    import shutil
    from pathlib import Path

    from autograder.assignment import load_assignment

    folder = tmp_path / "tiny"
    shutil.copytree(Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "tiny", folder)
    with (folder / "assignment.toml").open("a") as config:
        config.write(f"\n[sandbox]\npreload = {preload}\n")
    with pytest.raises(InstructorError, match=named):
        load_assignment(folder)
