"""The package type-checks (mypy, configured in pyproject.toml) and is lint-clean (ruff); the engine
modules import no cycle, stay short and use no other module's private names."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest
from conftest import REPO


def test_mypy_finds_no_errors_in_the_package(tmp_path_factory):
    pytest.importorskip("mypy")
    cache = tmp_path_factory.getbasetemp() / "mypy-cache"
    done = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(cache)], cwd=REPO,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_ruff_finds_nothing():
    pytest.importorskip("ruff")
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "sim", "tests", "benchmarks",
                           "calibration"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:]


# ---------------------------------------------------------------- the engine's structure

ENGINE = REPO / "sim" / "engine"
MAX_ENGINE_LINES = 520
# scheduling.Clock and At extend SimPy (an event at a clock time exactly): they set the fields
# SimPy's own Timeout sets and push on its queue, as Environment.schedule does
SIMPY_FIELDS = {"scheduling": {"_queue", "_eid", "_value", "_delay", "_ok"}}


def _engine_trees() -> dict[str, ast.Module]:
    return {path.stem: ast.parse(path.read_text(encoding="utf-8"), str(path))
            for path in sorted(ENGINE.glob("*.py"))}


def _engine_imports(tree: ast.Module, modules: set[str]) -> set[str]:
    """The engine modules a module imports, wherever the import is (TYPE_CHECKING blocks and
    functions included)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 1:  # from .x import y, from . import x
                found |= {module.split(".")[0]} if module else {a.name for a in node.names}
            elif node.level == 2 and module.startswith("engine"):  # from ..engine.x import y
                parts = module.split(".")
                found |= {parts[1]} if len(parts) > 1 else {a.name for a in node.names}
            elif node.level == 0 and module.startswith("sim.engine"):
                parts = module.split(".")
                found |= {parts[2]} if len(parts) > 2 else {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[2] for a in node.names if a.name.startswith("sim.engine.")}
    return found & modules


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Some import cycle of ``graph`` (as a path that comes back to its start), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> list[str] | None:
        state[name] = 1
        for other in sorted(graph[name]):
            if state.get(other) == 1:
                return [*path[path.index(other):], other]
            if other not in state and (found := visit(other, [*path, other])):
                return found
        state[name] = 2
        return None

    for name in sorted(graph):
        if name not in state and (found := visit(name, [name])):
            return found
    return None


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _defined_names(tree: ast.Module) -> set[str]:
    """Names a module defines: functions, classes, attributes it assigns, slots, class fields
    and module globals."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__slots__"
                                                  for t in node.targets):
            names |= {c.value for c in ast.walk(node.value) if isinstance(c, ast.Constant)
                      and isinstance(c.value, str)}
    return names


def _foreign_private_names(module: str, tree: ast.Module) -> list[str]:
    """Private names a module uses that it does not define (another module's internals)."""
    own = _defined_names(tree) | SIMPY_FIELDS.get(module, set())
    used = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr) and node.attr not in own:
            used.append(f"{module}.py:{node.lineno}: .{node.attr}")
        elif isinstance(node, ast.ImportFrom):
            used += [f"{module}.py:{node.lineno}: import {a.name}" for a in node.names if _private(a.name)]
    return used


def test_engine_modules_import_no_cycle():
    trees = _engine_trees()
    graph = {name: _engine_imports(tree, set(trees)) - {name} for name, tree in trees.items()}
    helpers_of_the_core = [m for m in graph if "response" in graph[m] and m != "runner"]
    assert not helpers_of_the_core, f"{helpers_of_the_core} import the core: type against interface.Core"
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_engine_modules_are_short():
    long = {path.name: n for path in ENGINE.glob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_ENGINE_LINES}
    assert not long, long


def test_engine_modules_use_no_other_modules_private_names():
    trees = _engine_trees()
    used = [use for name, tree in trees.items() for use in _foreign_private_names(name, tree)]
    assert not used, used


def test_the_structure_checks_catch_what_they_look_for():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
    tree = ast.parse("if TYPE_CHECKING:\n    from .response import ResponseEngine\n"
                     "from ..engine.travel import TravelTimes\n")
    assert _engine_imports(tree, {"response", "travel", "air"}) == {"response", "travel"}
    helper = ast.parse("def f(engine):\n    engine._on_arrival(1)\n    self._mine = 2\n    self._mine()\n"
                       "from .response import _queue_key\n")
    assert sorted(_foreign_private_names("air", helper)) == ["air.py:2: ._on_arrival",
                                                             "air.py:5: import _queue_key"]
