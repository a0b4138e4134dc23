"""Griffe extension: the reST bits of attrition's docstrings, as Markdown for mkdocstrings.

attrition's docstrings are written for Sphinx habits (``double backticks`` — already valid
Markdown — ``:class:`Name``` roles and ``>>>`` doctest blocks). Before mkdocstrings renders a
docstring this extension rewrites, outside fenced code:

* a role ``:class:`~a.b.C``` (also ``func``, ``meth``, ``mod``, ``attr``, ``data``, ``exc``,
  ``obj``) into the cross-reference ``[`C`][a.b.C]``. mkdocstrings resolves a short name in the
  docstring's own scope (``scoped_crossrefs``), and ``mkdocs build --strict`` fails on a target
  it cannot find: a role naming something that does not exist is a broken reference.
* a doctest block (``>>>`` lines and their output, up to a blank line) into a ``pycon`` fence, so
  its ``[...]`` output is shown as code instead of being read as a Markdown link.

Nothing in ``src/`` is changed; only the rendered text is.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import griffe

# Roles whose target does not exist (or is not rendered), shown as code instead of a link so
# that ``--strict`` passes until the docstring is fixed. Keyed by (source file relative to
# ``src/``, target as written). Keep this tiny: every entry is a docstring bug to fix in src/.
UNRESOLVED: dict[tuple[str, str], str] = {
    ("attrition/infer/base.py", "fit"): "Fitter defines no fit(); the subclasses do",
    ("attrition/simulate/ensemble.py", "OutputSpec"): "lives in attrition.scenarios.spec",
}

ROLE = re.compile(r":(?:py:)?(class|func|meth|mod|attr|data|exc|obj):`(~?)([^`<>]+?)`")
FENCE = re.compile(r"^\s*(```|~~~)")


def _role(match: re.Match[str], source: str) -> str:
    kind, tilde, target = match[1], match[2], match[3].strip()
    shown = target.rsplit(".", 1)[-1] if tilde else target
    if kind in {"func", "meth"} and not shown.endswith(")"):
        shown += "()"
    if (source, target) in UNRESOLVED:
        return f"`{shown}`"
    return f"[`{shown}`][{target}]"


def roles_to_links(text: str, source: str = "") -> str:
    """Every Sphinx role in ``text`` as a Markdown cross-reference (fenced code left alone).

    ``source`` is the docstring's file relative to ``src/`` (for :data:`UNRESOLVED`).
    """
    out: list[str] = []
    fenced = False
    for line in text.split("\n"):
        if FENCE.match(line):
            fenced = not fenced
        out.append(line if fenced else ROLE.sub(lambda m: _role(m, source), line))
    return "\n".join(out)


def doctests_to_fences(text: str) -> str:
    """Every ``>>>`` block (prompt lines, continuation and output up to a blank line) fenced."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    fenced = False
    while i < len(lines):
        line = lines[i]
        if FENCE.match(line):
            fenced = not fenced
        stripped = line.lstrip()
        if not fenced and stripped.startswith(">>>"):
            indent = line[: len(line) - len(stripped)]
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i][len(indent) :] if lines[i].startswith(indent) else lines[i])
                i += 1
            out += [f"{indent}```pycon", *(indent + b for b in block), f"{indent}```"]
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


ARGS_HEADER = re.compile(r"^(\s*)(?:Args|Arguments|Parameters|Keyword Args|Other Parameters):\s*$")
ARGS_ENTRY = re.compile(
    r"^(\s+)([A-Za-z_]\w*(?:\s*,\s*\*{0,2}[A-Za-z_]\w*)+)(\s*(?:\([^)]*\))?:.*)$"
)


def split_shared_args(text: str) -> str:
    """``a, b: text`` in a Google ``Args:`` section as one entry per name, each with the text.

    Griffe's Google parser takes ``a, b`` for one (unknown) parameter and warns.
    """
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    section_indent: int | None = None
    while i < len(lines):
        line = lines[i]
        header = ARGS_HEADER.match(line)
        if header:
            section_indent = len(header[1])
            out.append(line)
            i += 1
            continue
        indent = len(line) - len(line.lstrip())
        if section_indent is not None and line.strip() and indent <= section_indent:
            section_indent = None
        entry = ARGS_ENTRY.match(line) if section_indent is not None else None
        if entry is None:
            out.append(line)
            i += 1
            continue
        lead, names, rest = entry[1], entry[2], entry[3]
        body: list[str] = []
        i += 1
        while i < len(lines) and (
            not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > len(lead)
        ):
            if not lines[i].strip() and (i + 1 >= len(lines) or not lines[i + 1].strip()):
                break
            body.append(lines[i])
            i += 1
        for name in (n.strip() for n in names.split(",")):
            out += [f"{lead}{name}{rest}", *body]
    return "\n".join(out)


def convert(text: str, source: str = "") -> str:
    """A docstring's text with its reST bits as Markdown (``source``: as for roles_to_links)."""
    return roles_to_links(doctests_to_fences(split_shared_args(text)), source)


def _source(obj: griffe.Object) -> str:
    try:
        path = Path(obj.filepath) if not isinstance(obj.filepath, list) else Path(obj.filepath[0])
    except Exception:  # an object without a file (e.g. a builtin)
        return ""
    parts = path.resolve().parts
    return "/".join(parts[parts.index("src") + 1 :]) if "src" in parts else path.name


class RestToMarkdown(griffe.Extension):
    """Rewrite each docstring once, when griffe creates its object."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = convert(obj.docstring.value, _source(obj))
