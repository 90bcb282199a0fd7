"""The house rules of the code, checked on its import statements (every one, also those
inside functions): no import cycles, and a core that imports no adapter."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "automation"
# What the core may import from the project: its own modules and the shared vocabulary.
CORE_MAY_USE = ("automation.core", "automation.model", "automation.errors", "automation.ports",
                "automation.text", "automation.thaidate", "automation.logs",
                # The core reads its own sections of the configuration (office, publish,
                # bulletin, the sheet's tabs and columns); the adapters' tables reach it only
                # as core settings (Config.delivery, Config.board_url): see the test below.
                "automation.config")
# The configuration's adapter tables, which the core must never read by name.
ADAPTER_SECTIONS = {"mail", "site", "unsubscribe", "bounces", "imap", "channels", "report",
                    "survey", "registry", "keep_current", "schedule"}
ADAPTER_LIBRARIES = {"gspread", "google", "requests", "imap_tools", "apscheduler", "openpyxl",
                     "aiosmtpd", "smtplib", "imaplib", "PIL", "matplotlib", "rich", "filelock",
                     "sqlite3", "urllib3", "http"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module
            yield from (f"{node.module}.{a.name}" for a in node.names)


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        targets = {_resolve(i) for i in _imports(path) if i.startswith("automation")}
        graph[name] = {t for t in targets if t and t != name and not name.startswith(t + ".")}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


def test_the_rule_sees_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_core_imports_no_adapter() -> None:
    wrong = []
    for name, path in MODULES.items():
        if not name.startswith("automation.core"):
            continue
        for imported in _imports(path):
            top = imported.partition(".")[0]
            if imported.startswith("automation"):
                if not imported.startswith(CORE_MAY_USE):
                    wrong.append(f"{name} imports {imported}")
            elif top in ADAPTER_LIBRARIES:
                wrong.append(f"{name} imports {imported}")
    assert wrong == []


def _adapter_reads(source: str) -> list[str]:
    """``….config.<adapter table>`` attribute reads in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in ADAPTER_SECTIONS:
            owner = node.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if name == "config":
                found.append(f"line {node.lineno}: config.{node.attr}")
    return found


def test_the_core_reads_no_adapter_settings() -> None:
    wrong = [f"{name} {read}" for name, path in MODULES.items()
             if name.startswith("automation.core")
             for read in _adapter_reads(path.read_text(encoding="utf-8"))]
    assert wrong == []


def test_the_settings_rule_sees_a_read() -> None:
    assert _adapter_reads("x = self.s.config.mail.sender\ny = config.office.name\n") == [
        "line 1: config.mail"]
