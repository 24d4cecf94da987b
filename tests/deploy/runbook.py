"""The commands of the runbook (docs/operations.md), as an operator copies them.

`commands()` is every `airflow`, `jcw` and `python` command in its sh blocks (the static
checks parse each with the real CLI); `command(prefix)` is the one line the production
end-to-end tests run verbatim, so the runbook's user management is what the tests do.
"""

from __future__ import annotations

import re
import shlex

from tests.deploy.compose_check import REPO

RUNBOOK = REPO / "docs" / "operations.md"
_COMMAND = re.compile(r"^(\w+=\S*\s+)*(docker compose exec \S+ )?(airflow|jcw|python) ")


def _blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", RUNBOOK.read_text(), re.DOTALL)


def lines() -> list[str]:
    """Every command line of the runbook's sh blocks, comments and `&&`/`;` chains split."""
    found = []
    for block in _blocks():
        for line in block.splitlines():
            line = line.split(" #")[0].strip()
            found += [p for p in re.split(r"\s*(?:&&|&|;)\s*", line) if p]
    return found


def _argv(part: str) -> list[str]:
    argv = shlex.split(part)
    while argv and ("=" in argv[0] or argv[0] in ("docker", "compose", "exec")):
        argv = argv[1:] if argv[0] != "exec" else argv[2:]
    return argv


def commands() -> list[list[str]]:
    """Every `airflow`, `jcw` and `python` command of the runbook as argv (no container)."""
    argvs = [_argv(part) for part in lines() if _COMMAND.match(part)]
    return [a for a in argvs if a and a[0] in ("airflow", "jcw", "python")]


def command(prefix: str, variables: dict[str, str] | None = None) -> list[str]:
    """The one runbook command starting with ``prefix``, its ``$VARIABLES`` filled in."""
    matching = list({tuple(a): a for a in commands() if " ".join(a).startswith(prefix)}.values())
    assert len(matching) == 1, f"the runbook has {len(matching)} commands `{prefix} ...`"
    values = variables or {}
    return [re.sub(r"\$\{?(\w+)\}?", lambda m: values[m.group(1)], arg) for arg in matching[0]]


def url(fragment: str) -> str:
    """The one URL in the runbook's sh blocks containing ``fragment`` (path and query)."""
    found = {
        m.group(1)
        for block in _blocks()
        for m in re.finditer(r"\$AIRFLOW_BASE_URL(/[^\"'\s]+)", block)
        if fragment in m.group(1)
    }
    assert len(found) == 1, f"the runbook has {len(found)} URLs with {fragment!r}: {found}"
    return found.pop()
