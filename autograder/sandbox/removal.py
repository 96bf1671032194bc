"""Routine removal: what the assignment's rules forbid is absent from the sandbox, not watched.

The fork server calls `remove` once, after its preloads and before any fork, with what the rules
name (`autograder/rules.py`, `Rule.removals`), so no submission can reach a forbidden routine
however it spells the call (`getattr` by a computed name, `importlib`, `gc.get_objects()`,
reloading the module):

- a routine of a preloaded module (`numpy.einsum`) is deleted from every module of its package
  that holds it, under any name, together with what it wraps (numpy's dispatchers wrap a Python
  implementation, which may call a C routine that numpy's core names with a `2` suffix:
  `correlate2` behind `correlate`), and from numpy's registry of dispatched functions; a stub that says why stands in
  its public place;
- anything else (`scipy.signal`, `cv2`) is a package: its modules are dropped from `sys.modules`
  (and a preloaded one, `numpy.linalg`, from its parent's namespace), an import hook gives the
  student the rule's reason, and its folders are left out of the sandbox's file view
  (`world.forbidden_folders`), which is what keeps it out.

Only routines of packages the fork server preloads (`[sandbox] preload` in assignment.toml) or of the
standard library can be removed as routines (their module is imported here first when the preloads did
not); loading an assignment refuses a rule that forbids a routine of another package
(`rules.check_removals`): it should forbid the package.
"""

from __future__ import annotations

import importlib
import importlib.abc
import sys
import types
from dataclasses import dataclass
from typing import Any, Mapping


@dataclass(frozen=True)
class Removal:
    """A routine (`numpy.einsum`) or package (`scipy.signal`) taken out of the sandbox before any
    student code runs, and the reason a student who reaches it reads."""

    name: str
    why: str

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Removal":
        return cls(name=str(data["name"]), why=str(data["why"]))


def is_routine(name: str) -> bool:
    """True when `name` is an attribute (not a submodule) of a module this process has loaded."""
    module, _, attr = name.rpartition(".")
    loaded = sys.modules.get(module)
    if not module or loaded is None:
        return False
    value = vars(loaded).get(attr)
    return value is not None and not isinstance(value, types.ModuleType)


def remove(removals: tuple[Removal, ...]) -> None:
    """Take every removal out of this process (see the module's docstring)."""
    for removal in removals:  # a routine of a submodule the preloads did not import (numpy.polynomial.polyfit)
        module = removal.name.rpartition(".")[0]
        top = module.split(".")[0]
        if module and module not in sys.modules and (top in sys.modules or top in sys.stdlib_module_names):
            try:
                importlib.import_module(module)
            except Exception:  # not a module after all (checked when the assignment was loaded)
                pass
    routines = tuple(r for r in removals if is_routine(r.name))
    packages = tuple(r for r in removals if r not in routines)
    for removal in routines:
        _remove_routine(removal)
    for package in packages:  # a preloaded subpackage (`numpy.linalg`) is also an attribute of its parent
        parent, _, attr = package.name.rpartition(".")
        holder = sys.modules.get(parent) if parent else None
        if holder is not None and package.name in sys.modules and vars(holder).get(attr) is sys.modules[package.name]:
            delattr(holder, attr)
    for name in list(sys.modules):
        if any(name == p.name or name.startswith(p.name + ".") for p in packages):
            del sys.modules[name]
    if packages:
        sys.meta_path.insert(0, _Unavailable(packages))


def _remove_routine(removal: Removal) -> None:
    module_name, _, attr = removal.name.rpartition(".")
    package = module_name.split(".")[0]
    names = {attr, f"{attr}2"}  # numpy's C core: correlate -> correlate2
    places = [m for n, m in list(sys.modules.items()) if n == package or n.startswith(package + ".")]
    targets: dict[int, object] = {}
    for module in places:
        namespace = getattr(module, "__dict__", None)
        if not isinstance(namespace, dict):
            continue
        for name in names:
            value = namespace.get(name)
            while value is not None and not isinstance(value, types.ModuleType) and id(value) not in targets:
                targets[id(value)] = value
                value = getattr(value, "__wrapped__", None) or getattr(value, "_implementation", None)
    # every module that imported them (numpy._core.umath re-exports the C core, for one)
    for module in list(sys.modules.values()):
        namespace = getattr(module, "__dict__", None)
        if not isinstance(namespace, dict):
            continue
        for key in [k for k, v in list(namespace.items()) if id(v) in targets and v is targets[id(v)]]:
            del namespace[key]
    try:
        overrides = importlib.import_module(f"{package}._core.overrides")
        registry = getattr(overrides, "ARRAY_FUNCTIONS", set())
        for function in [f for f in registry if id(f) in targets]:
            registry.discard(function)
    except ImportError:
        pass
    targets.clear()
    setattr(importlib.import_module(module_name), attr, _unavailable_routine(removal))


def _unavailable_routine(removal: Removal):
    def unavailable(*args, **kwargs):
        raise NotImplementedError(f"{removal.name} is not available here: {removal.why}")

    unavailable.__name__ = unavailable.__qualname__ = removal.name.rsplit(".", 1)[1]
    return unavailable


class _Unavailable(importlib.abc.MetaPathFinder):
    """A clear message for `import scipy.signal` (the package is not in the sandbox anyway)."""

    def __init__(self, packages: tuple[Removal, ...]):
        self.packages = packages

    def find_spec(self, fullname, path, target=None):
        for package in self.packages:
            if fullname == package.name or fullname.startswith(package.name + "."):
                raise ModuleNotFoundError(f"{fullname} is not available here: {package.why}", name=fullname)
        return None
