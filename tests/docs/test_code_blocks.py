"""Every code block in the docs runs, or names only commands and options that exist.

* ```` ```python ```` blocks in ``docs/*.md`` and ``CONTRIBUTING.md`` run: each file's blocks in
  order, in one namespace per file, in a temporary working directory (with a read-only view of
  the checkout's ``src/``, because the docs, like the README, name packaged files by their path
  in the checkout, e.g. ``src/attrition/scenarios/library/duel.toml``). The README's Python
  blocks are run by ``tests/test_readme.py``.
* A block that deliberately does not run is marked by the line just above its fence,
  ``<!-- no-run: REASON -->``; :data:`EXPECTED_NO_RUN` lists every one, so the list cannot
  grow silently.
* Shell blocks (```` ```bash ````, ```` ```console ````, ```` ```sh ````, ```` ```shell ````
  and unlabelled fences) in those files and the README: every ``attrition ...`` line is
  parsed against the real Click command tree (subcommand path and every ``--option``; nothing
  is run), and the paths under ``src/`` it names must exist. Lines written as a usage synopsis
  (``[--runs N]``, continuation lines starting with ``[``) are checked the same way.
  ``make TARGET`` must be a Makefile target, and the ``.py`` files named by ``pytest`` or
  ``python`` lines must exist.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON_DOCS = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "CONTRIBUTING.md"]
SHELL_DOCS = [*PYTHON_DOCS, ROOT / "README.md"]
SHELL_LANGS = {"", "bash", "console", "sh", "shell"}
NO_RUN = re.compile(r"^<!--\s*no-run:\s*(.+?)\s*-->$")

# (file relative to the repo, reason) of every Python block marked no-run. Keep it tiny.
EXPECTED_NO_RUN: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class Block:
    """One fenced code block of a Markdown file."""

    path: Path
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    no_run: str | None  # the reason, when marked <!-- no-run: ... -->

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)(.*)$")


def blocks(path: Path) -> list[Block]:
    """The fenced code blocks of a Markdown file, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang = m[1], m[2], m[3].lower()
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(fence):
            line = lines[i]
            body.append(line[len(indent) :] if line.startswith(indent) else line)
            i += 1
        prev = next((lines[j].strip() for j in range(start - 1, -1, -1) if lines[j].strip()), "")
        marker = NO_RUN.match(prev)
        found.append(
            Block(path, start + 1, lang, "\n".join(body) + "\n", marker[1] if marker else None)
        )
        i += 1
    return found


def python_blocks(path: Path) -> list[Block]:
    return [b for b in blocks(path) if b.lang in {"python", "py"}] if path.exists() else []


# --------------------------------------------------------------------------- Python blocks


def test_no_run_blocks_are_the_expected_ones() -> None:
    marked = {
        (str(b.path.relative_to(ROOT)), b.no_run)
        for p in PYTHON_DOCS
        for b in python_blocks(p)
        if b.no_run is not None
    }
    assert marked == EXPECTED_NO_RUN, (
        "the Python blocks marked <!-- no-run: ... --> changed; make them run, or update "
        f"EXPECTED_NO_RUN in {Path(__file__).relative_to(ROOT)} with a reason: {sorted(marked)}"
    )


@pytest.mark.parametrize(
    "doc",
    [p for p in PYTHON_DOCS if python_blocks(p)],
    ids=lambda p: str(p.relative_to(ROOT)),
)
@pytest.mark.usefixtures("shared_estimates")  # fog-of-war.md's fit, shared with its figures
def test_python_blocks_run(doc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "src").symlink_to(ROOT / "src", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": "__doc_block__"}
    ran = 0
    for block in python_blocks(doc):
        if block.no_run is not None:
            continue
        # line numbers in a traceback point into the Markdown file
        code = "\n" * block.line + block.code
        try:
            exec(compile(code, str(doc), "exec"), namespace)
        except Exception as exc:
            raise AssertionError(f"the code block at {block.where} failed: {exc!r}") from exc
        ran += 1
    assert ran > 0


def test_contributing_exists_and_has_runnable_python() -> None:
    assert python_blocks(ROOT / "CONTRIBUTING.md"), "CONTRIBUTING.md shows no Python block"


# --------------------------------------------------------------------------- shell blocks


def _root_command() -> Any:
    import typer

    from attrition.cli import app

    return typer.main.get_command(app)


def _option_names(cmd: Any) -> set[str]:
    names = {"--help"}
    for param in cmd.params:
        names.update(getattr(param, "opts", ()))
        names.update(getattr(param, "secondary_opts", ()))
    return names


def check_attrition_command(root: Any, tokens: list[str]) -> list[str]:
    """Problems of one ``attrition ...`` command line (tokens after ``attrition``)."""
    import click

    cmd, path = root, ["attrition"]
    rest = list(tokens)
    while hasattr(cmd, "list_commands") and rest and not rest[0].lstrip("[").startswith("-"):
        ctx = click.Context(cmd, info_name=path[-1])
        sub = cmd.get_command(ctx, rest[0])
        if sub is None:
            if cmd is root or not getattr(cmd, "invoke_without_command", False):
                return [f"`{' '.join(path)}` has no subcommand {rest[0]!r}"]
            break
        cmd = sub
        path.append(rest.pop(0))
    known = _option_names(cmd)
    problems = []
    for token in rest:
        token = token.strip("[]")
        if not token.startswith("-") or token in {"-", "--"}:
            continue
        for name in token.split("=", 1)[0].split("/"):
            if name and name not in known:
                problems.append(f"`{' '.join(path)}` has no option {name}")
    return problems


def shell_commands(block: Block) -> list[tuple[int, str, list[str]]]:
    """(line, program, arguments) of each command line in a shell block (comments dropped)."""
    out: list[tuple[int, str, list[str]]] = []
    for offset, raw in enumerate(block.code.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("$ "):
            line = line[2:]
        if not line:
            continue
        try:
            tokens = shlex.split(line, comments=True)
        except ValueError:
            tokens = line.split()
        if not tokens:
            continue
        if tokens[0].startswith("[") and out and out[-1][1] == "attrition":
            out[-1][2].extend(tokens)  # a synopsis' continuation line
            continue
        out.append((block.line + offset, tokens[0], tokens[1:]))
    return out


def _make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z0-9_.-]+):(?!=)", text, re.M))


def shell_problems(doc: Path, root: Any) -> list[str]:
    problems: list[str] = []
    targets = _make_targets()
    for block in blocks(doc):
        if block.lang not in SHELL_LANGS:
            continue
        for line, prog, args in shell_commands(block):
            where = f"{doc.relative_to(ROOT)}:{line}"
            if prog == "attrition":
                problems += [f"{where}: {p}" for p in check_attrition_command(root, args)]
                problems += [
                    f"{where}: {a} does not exist"
                    for a in args
                    if a.startswith("src/") and not (ROOT / a).exists()
                ]
            elif prog == "make":
                problems += [
                    f"{where}: the Makefile has no target {a!r}"
                    for a in args
                    if "=" not in a and not a.startswith("-") and a not in targets
                ]
            elif prog in {"pytest", "python", "python3"} or prog.endswith(("/pytest", "/python")):
                problems += [
                    f"{where}: {a} does not exist"
                    for a in args
                    if a.endswith(".py") and not (ROOT / a.split("::")[0]).exists()
                ]
    return problems


@pytest.mark.parametrize(
    "doc", [p for p in SHELL_DOCS if p.exists()], ids=lambda p: str(p.relative_to(ROOT))
)
def test_shell_blocks_name_real_commands(doc: Path) -> None:
    problems = shell_problems(doc, _root_command())
    assert not problems, "\n".join(problems)


def test_shell_blocks_are_checked_at_all() -> None:
    commands = [
        c
        for doc in SHELL_DOCS
        if doc.exists()
        for b in blocks(doc)
        if b.lang in SHELL_LANGS
        for c in shell_commands(b)
        if c[1] == "attrition"
    ]
    assert len(commands) >= 20  # the README's tour alone has more


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("attrition fit ardennes --model square", None),
        ("attrition simulate FILE.toml [--runs N] [--progress/--no-progress]", None),
        ("attrition scenario run baseline --cutoff 2023-01-31", None),
        ("attrition fitt ardennes", "`attrition` has no subcommand 'fitt'"),
        ("attrition fit ardennes --modle square", "`attrition fit` has no option --modle"),
        ("attrition scenario runn x", "`attrition scenario` has no subcommand 'runn'"),
        ("attrition simulate F.toml [--progres/--no-progress]", "has no option --progres"),
    ],
)
def test_the_command_check_can_fail(line: str, problem: str | None) -> None:
    block = Block(ROOT / "README.md", 1, "bash", line + "  # a comment\n", None)
    [(_, prog, args)] = shell_commands(block)
    assert prog == "attrition"
    problems = check_attrition_command(_root_command(), args)
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1
        assert problem in problems[0]
