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
