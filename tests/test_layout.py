"""The floor plan holds: the pipeline's packages import forwards only, and the porch stays thin.

The graph is drawn from the source (every import statement, lazy ones inside functions too),
so a shortcut that would tie two stages in a knot fails here before anyone has to untie it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import maa_cli

PACKAGE = Path(maa_cli.__file__).parent
#: Two-line modules kept so the library calls documented before the move keep working.
COMPATIBILITY = {"maa_cli.workspace", "maa_cli.collect"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> tuple[set[str], set[str]]:
    """(maa modules imported, top-level third-party names imported) by one module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found, outside = set(), set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            targets = [prefix] + [f"{prefix}.{a.name}" for a in node.names]
        else:
            continue
        for target in targets:
            if target in modules and target != name and not name.startswith(target + "."):
                found.add(target)
            elif not target.startswith("maa_cli"):
                outside.add(target.split(".")[0])
    return found, outside


def _graph():
    modules = _modules()
    edges, third = {}, {}
    for name, path in modules.items():
        edges[name], third[name] = _imports(name, path, modules)
    return modules, edges, third


class TestFloorPlan:
    def test_no_module_imports_itself_back_through_others(self):
        """There is no import cycle, counting imports made inside functions."""
        _, edges, _ = _graph()
        state: dict[str, int] = {}
        cycles = []

        def visit(node: str, trail: list[str]) -> None:
            state[node] = 1
            for nxt in sorted(edges[node]):
                if state.get(nxt) == 1:
                    cycles.append(trail[trail.index(nxt):] + [nxt])
                elif nxt not in state:
                    visit(nxt, trail + [nxt])
            state[node] = 2

        for start in sorted(edges):
            if start not in state:
                visit(start, [start])
        assert cycles == []

    def test_only_the_cli_speaks_to_the_terminal(self):
        """Only the CLI imports typer or rich: every other module is usable from a plain Python script."""
        _, _, third = _graph()
        assert sorted(m for m, names in third.items() if names & {"typer", "rich"} and m != "maa_cli.cli") == []

    def test_few_modules_lie_flat_in_the_package(self):
        """At most ten modules lie directly in maa_cli/; the rest live in the package of their stage."""
        flat = [p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py")]
        assert len(flat) <= 10, flat

    def test_the_core_never_imports_the_demo_or_the_compatibility_modules(self):
        """The demo and the old import paths sit at the edge: nothing in the core depends on them."""
        _, edges, _ = _graph()
        edge = {"maa_cli.cli", "maa_cli.__main__", *COMPATIBILITY}
        leaks = sorted((m, t) for m, targets in edges.items() if m not in edge and not m.startswith("maa_cli.demo")
                       for t in targets if t.startswith("maa_cli.demo") or t in COMPATIBILITY)
        assert leaks == []

    def test_the_documented_library_calls_work_from_their_old_paths(self):
        """Scripts written against the README's earlier paths still find new_audit, open_workspace and collect."""
        from maa_cli.collect import collect as old_collect
        from maa_cli.intake.collect import collect
        from maa_cli.setup.workspace import new_audit, open_workspace
        from maa_cli.workspace import new_audit as old_new_audit
        from maa_cli.workspace import open_workspace as old_open

        assert (old_collect, old_new_audit, old_open) == (collect, new_audit, open_workspace)
