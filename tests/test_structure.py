"""The package's shape: one direction of imports (no cycle, no arrow back up the pipeline)
and the public API of ``symbackprop/__init__.py`` as the README documents it."""
from __future__ import annotations

import ast
from pathlib import Path

import symbackprop

PACKAGE = Path(__file__).resolve().parent.parent / "symbackprop"

#: What each stage may not import: the stages after it.
LATER = {
    "io": {"core", "spec", "derive", "lesson", "render", "check", "numeric", "exercises", "api", "cli"},
    "core": {"derive", "lesson", "render", "check", "numeric", "exercises", "api", "cli"},
    "spec": {"derive", "lesson", "render", "check", "numeric", "exercises", "api", "cli"},
    "derive": {"lesson", "render", "check", "numeric", "exercises", "api", "cli"},
    "lesson": {"render", "check", "numeric", "exercises", "api", "cli"},
    "check": {"render", "numeric", "exercises", "api", "cli"},
    "numeric": {"render", "check", "exercises", "api", "cli"},
    "render": {"numeric", "exercises", "api", "cli"},
    "exercises": {"api", "cli"},
}


def _module(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")


def _imports() -> dict[str, set[str]]:
    """Every module of the package -> the modules of the package it imports (statically)."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        name = _module(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                for alias in node.names:
                    full = f"{target}.{alias.name}"
                    found.add(full if (PACKAGE.parent / (full.replace(".", "/") + ".py")).exists()
                              or (PACKAGE.parent / full.replace(".", "/")).is_dir() else target)
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("symbackprop")}
        graph[name] = {m for m in found if m != name}
    return graph


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "symbackprop"


def test_no_import_runs_back_up_the_pipeline():
    back = [(m, t) for m, targets in _imports().items() for t in targets
            if _stage(t) in LATER.get(_stage(m), set())]
    assert back == []


def test_no_cycle_between_modules():
    graph = _imports()
    state: dict[str, int] = {}

    def visit(m: str, trail: tuple[str, ...]) -> None:
        state[m] = 1
        for t in sorted(graph.get(m, ())):
            if t not in graph:
                continue
            assert state.get(t) != 1, " -> ".join(trail + (m, t))
            if t not in state:
                visit(t, trail + (m,))
        state[m] = 2

    for m in sorted(graph):
        # a package's __init__ re-exports its own modules: that is not a cycle of the flow
        if m not in state:
            visit(m, ())


def test_the_public_api():
    assert all(hasattr(symbackprop, name) for name in symbackprop.__all__)
    for name in ("load_spec", "solve", "Ledger", "Quantity", "lesson_plan", "ACTIVATIONS", "check",
                 "Network", "export_source", "build_graph", "layer_view", "as_tex"):
        assert name in symbackprop.__all__
    readme = (PACKAGE.parent / "README.md").read_text()
    for name in ("lesson_plan", "Ledger", "ACTIVATIONS", "export_source", "build_graph"):
        assert name in readme, name


def test_the_readme_example_runs():
    from conftest import LECTURE
    solution = symbackprop.solve(symbackprop.load_spec(LECTURE), rounding="hand")
    d = solution.derivations[0]
    assert d.ledger["dE2/db1"].depends_on == ("dE2/db1#1", "dE2/db1#2")
    assert str(d.ledger["new_w2_1_1"].hand) == "0.45188"
    steps = symbackprop.lesson_plan(solution)
    assert type(steps[0]).__name__ == "Notation" and [type(s).__name__ for s in steps[-2:]] == ["IterationTable", "Recap"]


def test_the_fast_weighted_sum_is_sympys_own():
    """core.model builds Σ w·s + b without SymPy's sorting; it must be the very expression
    SymPy builds (same arguments, equal, same hash), for every shape a network has."""
    import random
    import sympy
    from symbackprop.core.model import symbol, weighted_sum
    rng = random.Random(7)
    for _ in range(300):
        l, n = rng.randint(1, 4), rng.randint(1, 40)
        example = rng.choice([None, 1, 2, 12])
        suffix = "" if example is None else f"@{example}"
        i = rng.randint(1, 40)
        terms = tuple((f"w{l}_{i}_{j}", (f"x{j}" if l == 1 else f"a{l - 1}_{j}") + suffix) for j in range(1, n + 1))
        bias = rng.choice([None, f"b{l}", f"b{l}_{i}"])
        want = sympy.Add(*[symbol(w) * symbol(s) for w, s in terms], *([symbol(bias)] if bias else []))
        got = weighted_sum(terms, bias)
        assert got == want and got.args == want.args and hash(got) == hash(want), (terms, bias)
