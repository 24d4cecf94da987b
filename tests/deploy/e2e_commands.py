"""The commands the production e2e tests run, read from their source with ``ast``.

Two kinds: argv sequences (a call's arguments or a list literal: ``airflow(env, "db",
"migrate")``, ``[AIRFLOW, "celery", "worker", ...]``, ``[*script, "start", "--root", ...]``,
names resolved to the lists and strings they were assigned) and runbook lines run verbatim
(the prefix given to ``runbook.command``/``runbook.url`` or to a helper that passes it on).
"""

from __future__ import annotations

import ast
from pathlib import Path

# Helpers of the e2e tests that put their first string argument(s) before the rest.
_PREFIXING = {"airflow": ["airflow"]}
# Helpers that run the runbook line their argument names (the index of that argument).
_VERBATIM = {"command": 0, "url": 0, "users_command": 1, "username_in": 0}


class _Reader(ast.NodeVisitor):
    def __init__(self, tree: ast.Module) -> None:
        self.strings: dict[str, str] = {}
        self.lists: dict[str, ast.AST] = {}
        self.argvs: list[list[str]] = []
        self.verbatim: set[str] = set()
        self._assigned(tree.body)
        self.visit(tree)

    def _assigned(self, body: list[ast.stmt]) -> None:
        """Names assigned a string, an f-string or a list in this scope (not nested ones)."""
        for node in body:
            for child in [node, *ast.walk(node)]:
                if isinstance(child, ast.FunctionDef) and child is not node:
                    break
                if isinstance(child, ast.Assign) and len(child.targets) == 1:
                    target, value = child.targets[0], child.value
                    if not isinstance(target, ast.Name):
                        continue
                    if isinstance(value, ast.List):
                        self.lists[target.id] = value
                    elif isinstance(value, ast.JoinedStr) or (
                        isinstance(value, ast.Constant) and isinstance(value.value, str)
                    ):
                        self.strings[target.id] = self.token(value)[0]

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        saved = dict(self.strings), dict(self.lists)
        self._assigned(node.body)
        self.generic_visit(node)
        self.strings, self.lists = saved

    def token(self, node: ast.AST) -> list[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.Name):
            if node.id == "AIRFLOW":
                return ["airflow"]
            return [self.strings[node.id]] if node.id in self.strings else ["*"]
        if isinstance(node, ast.JoinedStr):  # a value not known here stays "{}"
            parts = []
            for v in node.values:
                if isinstance(v, ast.Constant):
                    parts.append(str(v.value))
                else:
                    known = self.token(v.value)
                    parts.append("{}" if known == ["*"] else "".join(known))
            return ["".join(parts)]
        if isinstance(node, ast.Starred) and isinstance(node.value, ast.Name):
            listed = self.lists.get(node.value.id)
            if node.value.id == "JCW_DEPLOY":
                return ["jcw", "deploy"]
            return [t for e in listed.elts for t in self.token(e)] if listed else ["*"]
        if isinstance(node, ast.Call) and node.args:  # str(REPO / "scripts" / "x.py")
            return self.token(node.args[0])
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return [Path(t).name for t in self.token(node.right)]
        return ["*"]

    def visit_Call(self, node: ast.Call) -> None:
        name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        tokens = [t for a in node.args for t in self.token(a)]
        if name in _PREFIXING:
            self.argvs.append(_PREFIXING[name] + tokens[1:])  # (env, *args)
        else:
            self.argvs.append(tokens)
        if name in _VERBATIM and len(node.args) > _VERBATIM[name]:
            self.verbatim.update(self.token(node.args[_VERBATIM[name]]))
        self.generic_visit(node)

    def visit_List(self, node: ast.List) -> None:
        self.argvs.append([t for e in node.elts for t in self.token(e)])
        self.generic_visit(node)


def read(paths: list[Path]) -> tuple[list[list[str]], set[str]]:
    """(argv sequences, runbook prefixes run verbatim) of the given test files."""
    argvs: list[list[str]] = []
    verbatim: set[str] = set()
    for path in paths:
        reader = _Reader(ast.parse(path.read_text()))
        argvs += reader.argvs
        verbatim |= reader.verbatim - {"*"}
    return argvs, verbatim


def runs(command: str, argvs: list[list[str]], verbatim: set[str]) -> bool:
    """True if an e2e test runs ``command``: a runbook line with that prefix verbatim, or an
    argv holding its words in order, side by side (the last one may be cut short: the
    commands are prefixes of runbook lines)."""
    if command in verbatim:
        return True
    words = command.split()
    for argv in argvs:
        for i in range(len(argv) - len(words) + 1):
            window = argv[i : i + len(words)]
            if window[:-1] == words[:-1] and window[-1].startswith(words[-1]):
                return True
    return False
