"""The rules of an assignment, as objects.

A rule is a table `[rules.<name>]` of `assignment.toml` whose `kind` names one of the kinds below;
an assignment may hold any number of them.  A rule kind says, in one class:

- what its configuration is (validated when the assignment is loaded: an unknown or missing key,
  or a value of the wrong type, is an `InstructorError` naming the key);
- what a student reads when they break it (`message`) and the misconception it is filed under
  (`label`);
- how it is enforced, at each of the three places a rule can act:
    `check_source`   in the grader, on the notebook's source, before anything runs (static);
    `removals`       in the sandbox: what the fork server takes out of its process before it forks,
                     so that no student code can reach it however it spells the call (run time);
    `self_check`     in the student notebook: the plain data `grader.check` applies the rule from,
                     with the same words (`autograder/self_checks.py`).

Kinds:

  forbidden_calls   functions that must be the student's own work (`functions`) reach none of the
                    `forbidden` routines or packages (`numpy.einsum`, `scipy.linalg`, ...):
                    directly, through a helper of the notebook, or through machinery that hides
                    what runs.  Every test that calls such a function earns nothing, with the
                    rule's message.  At run time the numpy routines are deleted from numpy and the
                    packages left out of the sandbox.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Iterable, Mapping

from .errors import InstructorError
from .sandbox.removal import Removal

EVASION_LABEL = "hides what it calls from the grader"


@dataclass(frozen=True)
class Breach:
    """A rule broken by one student function: what every test that calls it reports."""

    rule: str  # the rule's name in assignment.toml
    function: str
    message: str
    misconception: str


class Rule(ABC):
    """One configured rule of an assignment (see the module's docstring)."""

    kind: ClassVar[str]
    name: str
    message: str
    label: str

    @classmethod
    @abstractmethod
    def from_config(cls, name: str, table: Mapping[str, Any], where: str) -> "Rule":
        """The rule configured by `[rules.<name>]`; raises InstructorError naming a wrong key."""

    @property
    @abstractmethod
    def bound_names(self) -> tuple[str, ...]:
        """The student names the rule applies to."""

    @abstractmethod
    def check_source(self, cells: Iterable[str]) -> dict[str, Breach]:
        """The static check, in the grader: each bound name the notebook's source breaks the rule in."""

    @abstractmethod
    def removals(self) -> tuple[Removal, ...]:
        """What the sandbox takes out of its process before it forks (nothing, for some kinds)."""

    @abstractmethod
    def self_check(self) -> dict[str, Any]:
        """The rule as the student notebook carries it: plain data (lists, strings), with `kind`."""


RULE_KINDS: dict[str, type[Rule]] = {}


def rule_kind(cls: type[Rule]) -> type[Rule]:
    """Register a rule kind under its `kind` name."""
    RULE_KINDS[cls.kind] = cls
    return cls


class _Table:
    """Typed reads of one rule's table, each error naming the key (`rules.own_arithmetic.functions`)."""

    def __init__(self, table: Mapping[str, Any], where: str, known: Iterable[str]):
        self.table, self.where = table, where
        known = ("kind", *known)
        for key in table:
            if key not in known:
                raise InstructorError(f"{where}: unknown key `{key}` (known here: {', '.join(known)})")

    def names(self, key: str) -> tuple[str, ...]:
        value = self.table.get(key)
        if value is None:
            raise InstructorError(f"{self.where}: `{key}` is required (a list of names)")
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            raise InstructorError(f"{self.where}: `{key}` must be a non-empty list of names")
        if len(set(value)) != len(value):
            raise InstructorError(f"{self.where}: `{key}` names one of its entries twice")
        return tuple(v.strip() for v in value)

    def text(self, key: str, default: str | None = None) -> str:
        value = self.table.get(key, default)
        if value is None:
            raise InstructorError(f"{self.where}: `{key}` is required (a string)")
        if not isinstance(value, str) or not value.strip():
            raise InstructorError(f"{self.where}: `{key}` must be a non-empty string")
        return value


@rule_kind
@dataclass(frozen=True)
class ForbiddenCalls(Rule):
    """`kind = "forbidden_calls"`: `functions` must not reach any of `forbidden`.

    Keys: `functions` and `forbidden` (lists of names, required), `message` (what a student reads
    after "<function> uses <routine>: ", required), `label` (the misconception, required),
    `unavailable` (what a student reads who reaches a removed routine at run time; default: the
    message).
    """

    kind: ClassVar[str] = "forbidden_calls"
    name: str
    functions: tuple[str, ...]
    forbidden: tuple[str, ...]
    message: str
    label: str
    unavailable: str

    @classmethod
    def from_config(cls, name: str, table: Mapping[str, Any], where: str) -> "ForbiddenCalls":
        read = _Table(table, where, ("functions", "forbidden", "message", "label", "unavailable"))
        forbidden = read.names("forbidden")
        for entry in forbidden:
            if not all(part.isidentifier() for part in entry.split(".")):
                raise InstructorError(f"{where}: `forbidden` entry {entry!r} is not a dotted module or routine name")
        message = read.text("message")
        return cls(name=name, functions=read.names("functions"), forbidden=forbidden, message=message,
                   label=read.text("label"), unavailable=read.text("unavailable", message))

    @property
    def bound_names(self) -> tuple[str, ...]:
        return self.functions

    def check_source(self, cells: Iterable[str]) -> dict[str, Breach]:
        from .static_checks import find_rule_violations

        found = find_rule_violations(cells, functions=self.functions, forbidden=self.forbidden)
        return {function: Breach(rule=self.name, function=function, message=violation.message(self.message),
                                 misconception=EVASION_LABEL if violation.evasion else self.label)
                for function, violation in found.items()}

    def removals(self) -> tuple[Removal, ...]:
        return tuple(Removal(name, self.unavailable) for name in self.forbidden)

    def self_check(self) -> dict[str, Any]:
        return {"kind": self.kind, "functions": list(self.functions), "forbidden": list(self.forbidden),
                "message": self.message, "label": self.label}


def load_rules(tables: Any, path: Path | str) -> tuple[Rule, ...]:
    """The rules configured under `[rules]` of assignment.toml at `path`, in file order.

    Raises InstructorError naming the rule and key when a table is not a known kind or is
    configured wrongly."""
    if tables is None:
        return ()
    if not isinstance(tables, dict):
        raise InstructorError(f"{path}: `rules` must be a table of rules ([rules.<name>] with a `kind`)")
    rules = []
    for name, table in tables.items():
        where = f"{path}: rules.{name}"
        if not isinstance(table, dict):
            raise InstructorError(f"{where} must be a table ([rules.{name}] with a `kind`)")
        kind = table.get("kind")
        if kind not in RULE_KINDS:
            known = ", ".join(sorted(RULE_KINDS))
            raise InstructorError(f"{where}: `kind` must be one of {known}" + (f", not {kind!r}" if kind is not None else ""))
        rules.append(RULE_KINDS[kind].from_config(name, table, where))
    return tuple(rules)


def check_sources(rules: Iterable[Rule], cells: Iterable[str]) -> dict[str, Breach]:
    """Every rule's static check over the notebook's source: each student name mapped to the first
    rule (in configuration order) it breaks."""
    cells = list(cells)
    breaches: dict[str, Breach] = {}
    for rule in rules:
        for function, breach in rule.check_source(cells).items():
            breaches.setdefault(function, breach)
    return breaches


def check_removals(removals: Iterable[Removal], preload: Iterable[str], where: str) -> None:
    """Refuse what the sandbox could not take out as the rules say: an entry that is neither an installed
    module nor a routine of one (a misspelling forbids nothing), or a routine of a package the fork server
    does not preload, the standard library aside (it would stay reachable at run time: forbid the package,
    or preload it).
    A package that is not installed is accepted (the static check still charges it; nothing can import it).
    Raises InstructorError naming the rule's entry."""
    preloaded = {name.split(".")[0] for name in preload}
    for removal in removals:
        name = removal.name
        if _module_exists(name.split(".")[0]) is False or _module_exists(name):
            continue
        module, _, attr = name.rpartition(".")
        if not module or not _module_exists(module):
            raise InstructorError(f"{where}: `forbidden` entry {name!r} is neither an installed module nor a routine "
                                  "of one (misspelt?); as written it forbids nothing")
        if module.split(".")[0] not in preloaded and module.split(".")[0] not in sys.stdlib_module_names:
            raise InstructorError(f"{where}: `forbidden` entry {name!r} is a routine of {module}, which the sandbox does "
                                  f"not preload, so it would stay reachable at run time: forbid the package {module!r} "
                                  f"instead, or add {module.split('.')[0]!r} to [sandbox] preload")
        if not hasattr(importlib.import_module(module), attr):
            raise InstructorError(f"{where}: `forbidden` entry {name!r}: {module} has no {attr} (misspelt?); "
                                  "as written it forbids nothing")


def _module_exists(name: str) -> bool:
    """Whether `name` is an importable module (importing its parent packages, in the grader, to know)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a parent is not a package, or is not installed
        return False


def removals(rules: Iterable[Rule]) -> tuple[Removal, ...]:
    """What the sandbox takes out for all the rules (the first rule naming a routine gives its reason)."""
    out: dict[str, Removal] = {}
    for rule in rules:
        for removal in rule.removals():
            out.setdefault(removal.name, removal)
    return tuple(out.values())
