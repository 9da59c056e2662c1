"""The package's shape: imports run one way, `--help` stays light, every command explains itself."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import qualcode

PACKAGE = Path(qualcode.__file__).parent
# the data flow, lowest first; a package may import only from its own level or below
ORDER = ("core", "nlp", "store", "ingest", "suggest", "coding", "analysis", "export", "exchange")
TOP = ("project", "demo", "cli", "web", "__init__")  # entry points and front ends sit on everything


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
    return out


def _is_service(tree: ast.AST) -> bool:
    """A module with a function that takes or opens a Project (the service layer)."""
    if any(name == "qualcode.project" for _, name in _imports(tree)):
        return True
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for arg in node.args.args + node.args.kwonlyargs:
                ann = ast.unparse(arg.annotation) if arg.annotation else ""
                if arg.arg == "project" or ann.strip("'\"") == "Project":
                    return True
    return False


def test_no_package_imports_one_above_it():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        level = parts[0]
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        if level in TOP or _is_service(tree):
            continue
        for line, name in _imports(tree):
            target = name.split(".")
            if target[0] != "qualcode" or len(target) < 2:
                continue
            other = target[1]
            if other in TOP or ORDER.index(other) > ORDER.index(level):
                wrong.append(f"{'/'.join(parts)}.py:{line} imports {name}")
    assert wrong == []


def test_help_loads_no_heavy_library():
    code = (
        "import sys\n"
        "from qualcode.cli.main import main\n"
        "sys.argv = ['qualcode', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('spacy', 'sklearn', 'pandas', 'matplotlib') if m in sys.modules)\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "QUALCODE_LANG": "en"})
    assert "HEAVY []" in done.stderr, done.stderr
    assert "Qualitative coding" in done.stdout


def test_dash_h_is_help_everywhere_and_the_project_goes_before_the_subcommand(tmp_path):
    from typer.testing import CliRunner

    from qualcode.cli.main import app

    runner = CliRunner()
    for args in (["-h"], ["code", "-h"], ["code", "add", "-h"], ["mentions", "count", "-h"]):
        done = runner.invoke(app, args)
        assert done.exit_code == 0 and "Användning:" in done.output, args  # typer speaks Swedish too
    assert runner.invoke(app, ["init", str(tmp_path / "p")]).exit_code == 0
    before = runner.invoke(app, ["-p", str(tmp_path / "p"), "status", "--format", "json"])
    after = runner.invoke(app, ["status", "-p", str(tmp_path / "p"), "--format", "json"])
    assert before.exit_code == 0, before.output
    assert before.stdout == after.stdout
    env = runner.invoke(app, ["status", "--format", "json"], env={"QUALCODE_PROJECT": str(tmp_path / "p")})
    assert env.exit_code == 0 and env.stdout == after.stdout
    # the root option does not leak into the next invocation
    assert runner.invoke(app, ["status"], env={"QUALCODE_PROJECT": ""}).exit_code != 0


def test_code_filter_is_spelled_code_everywhere():
    """`--code` filters by code in every command that filters by code (`--codes` stays an alias)."""
    import typer.main

    from qualcode.cli.main import app

    def walk(cmd, path):
        yield path, cmd
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from walk(sub, (*path, name))

    for path, cmd in walk(typer.main.get_command(app), ()):
        for param in getattr(cmd, "params", []):
            opts = getattr(param, "opts", [])
            if "--codes" in opts:
                assert "--code" in opts, f"`qualcode {' '.join(path)}` has --codes but no --code"


def _scope_problems(scope: ast.AST, module_level: bool, lines: list[str]) -> list[str]:
    """Imports in `scope`'s own body that nothing in the scope uses, and module names an import shadows."""

    def own(node: ast.AST):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                continue
            yield child
            yield from own(child)

    imported: dict[str, int] = {}
    for node in own(scope):
        if "# noqa: F401" in lines[getattr(node, "lineno", 1) - 1]:
            continue  # imported to see whether it can be
        if isinstance(node, ast.Import):
            for a in node.names:
                imported[a.asname or a.name.split(".")[0]] = node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            for a in node.names:
                imported[a.asname or a.name] = node.lineno
    used: set[str] = set()
    for node in ast.walk(scope):
        if isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isascii():
            try:  # quoted annotations and __all__ entries
                used |= {n.id for n in ast.walk(ast.parse(node.value, mode="eval")) if isinstance(n, ast.Name)}
            except (SyntaxError, ValueError):
                pass
    problems = [f"line {line}: '{name}' imported but unused" for name, line in imported.items() if name not in used]
    if module_level:
        # a loop variable named as an import (`for c, _ in …` beside gettext's `_`) hides it: F402
        for node in ast.walk(scope):
            targets = [node.target] if isinstance(node, (ast.For, ast.AsyncFor)) else []
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name) and name.id in imported:
                        problems.append(f"line {getattr(name, 'lineno', 0)}: loop variable '{name.id}' shadows an import")
        body = scope.body if isinstance(scope, ast.Module) else []
        for node in body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                if isinstance(target, ast.Name) and target.id in imported:
                    problems.append(f"line {node.lineno}: '{target.id}' redefines an import")
    return problems


def test_no_unused_imports_or_shadowed_names():
    """What `ruff check --select F` calls F401/F811/F402, without ruff: no import the module leaves
    unused, and no name or loop variable that hides one."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "__init__.py":
            continue  # packages re-export
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        scopes = [tree] + [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for scope in scopes:
            found += [f"{path.relative_to(PACKAGE.parent)} {p}" for p in _scope_problems(scope, scope is tree, source.splitlines())]
    assert found == []
