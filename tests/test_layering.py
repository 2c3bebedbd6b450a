"""The package layout shows the layering: imports go down, never up, and no module cycles.

Layers, lowest first: base → engine → scenario → timeline → session → courses → present → io →
tui / codegen → api → web → cli. A module may import its own package and the packages of lower
layers (packages on one layer do not import each other). Every import counts, the ones
inside functions too, except those under ``if TYPE_CHECKING:``.
"""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "stepcnn"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("base",),
    ("engine",),
    ("scenario",),
    ("timeline",),
    ("session",),
    ("courses",),
    ("present",),
    ("io",),
    ("tui", "codegen"),
    ("api",),
    ("web",),
    ("cli",),
)
TOP = ("__init__", "__main__")
"""The loose modules at ``stepcnn/``'s top: the package itself and ``python -m stepcnn``."""
MAX_LOOSE = 4
MAX_LINES = 400


def rank(package: str) -> int:
    for i, layer in enumerate(LAYERS):
        if package in layer:
            return i
    raise AssertionError(f"stepcnn/{package}: in no layer of tests/test_layering.py")


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                for sub in ast.walk(inner):
                    if hasattr(sub, "lineno"):
                        lines.add(sub.lineno)
    return lines


def imports_of(path: Path) -> set[str]:
    """Every ``stepcnn`` module ``path`` imports (not under ``TYPE_CHECKING``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] == "stepcnn":
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "stepcnn")
    return found


def graph(root: Path) -> dict[str, set[str]]:
    return {module_name(p, root): imports_of(p) for p in sorted(root.rglob("*.py"))}


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def upward_imports(edges: dict[str, set[str]], root: Path) -> list[str]:
    wrong = []
    for module, targets in edges.items():
        source = package_of(module)
        if source in TOP or not (root / source).is_dir():
            continue
        for target in sorted(targets):
            dest = package_of(target)
            if dest == source or target == "stepcnn":
                continue
            if dest in TOP or not (root / dest).is_dir() or rank(dest) >= rank(source):
                wrong.append(f"{module} imports {target}")
    return wrong


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in edges:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_every_package_is_in_a_layer() -> None:
    for path in ROOT.iterdir():
        if path.is_dir() and (path / "__init__.py").exists():
            rank(path.name)


def test_every_package_says_what_it_is() -> None:
    for path in ROOT.iterdir():
        init = path / "__init__.py"
        if path.is_dir() and init.exists():
            doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
            assert doc, f"{init}: no docstring"
            assert "import" in doc.lower(), f"{init}: its docstring does not say what it may import"


def test_imports_go_down_only() -> None:
    assert upward_imports(graph(ROOT), ROOT) == []


def test_no_import_cycles() -> None:
    assert cycles(graph(ROOT)) == []


def test_few_loose_modules_at_the_top() -> None:
    loose = sorted(p.stem for p in ROOT.glob("*.py"))
    assert len(loose) <= MAX_LOOSE, loose
    assert set(TOP) <= set(loose)


@pytest.mark.parametrize("tree", ["stepcnn", "benchmarks"])
def test_no_file_over_400_lines(tree: str) -> None:
    base = ROOT.parent / tree
    long = {
        str(p.relative_to(ROOT.parent)): n
        for p in base.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "stepcnn"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_an_upward_import_fails(tmp_path: Path) -> None:
    """The check itself: an engine module importing the TUI is caught, even inside a
    function; one under TYPE_CHECKING is not an import."""
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "engine/__init__.py": '"""engine."""',
            "engine/bad.py": "def f():\n    from stepcnn.tui.app import App\n",
            "engine/typed.py": "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from stepcnn.tui.app import App\n",
            "tui/__init__.py": '"""tui."""',
            "tui/app.py": "from stepcnn.engine.bad import f\n",
        },
    )
    assert upward_imports(graph(root), root) == ["stepcnn.engine.bad imports stepcnn.tui.app"]


def test_a_cycle_fails(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "tui/__init__.py": '"""tui."""',
            "tui/a.py": "from stepcnn.tui.b import x\n",
            "tui/b.py": "def g():\n    from stepcnn.tui.a import y\n",
        },
    )
    assert cycles(graph(root)) == [["stepcnn.tui.a", "stepcnn.tui.b"]]
