"""mkdocs hooks (``mkdocs.yml``: ``hooks:``): the generated API pages, their nav, and the home page.

* ``on_config``: (re)writes ``docs/api/`` with ``gen_api.generate()`` and replaces the nav entry
  ``API reference: api/index.md`` by the generated list (one entry per public package), so the
  site follows the package layout with no hand-kept list.
* ``on_files``: the home page ``index.md`` is the repository's README, its ``docs/`` links made
  relative to the docs folder (the README is not copied into ``docs/``; it stays the one source).
"""

from __future__ import annotations

import html
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
API_NAV_TITLE = "API reference"


def _load(name: str) -> ModuleType:
    """Import ``tools/docs_site/<name>.py`` under a private module name (no sys.path change)."""
    qualified = f"attrition_docs_site_{name}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    spec = importlib.util.spec_from_file_location(qualified, HERE / f"{name}.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {HERE / f'{name}.py'}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module
    spec.loader.exec_module(module)
    return module


def readme_as_home(text: str) -> str:
    """The README with links into ``docs/`` rewritten relative to the docs folder."""
    return text.replace("](docs/", "](")


_MARKED_SECTION_CODE = re.compile(r"`([^`\n]*<!\[[^`\n]*)`")


def escape_marked_sections(markdown: str) -> str:
    """Inline code containing ``<![`` as a raw ``<code>`` element, its text HTML-escaped.

    Python-Markdown's raw-HTML pass sees ``<![`` (e.g. in the regex ``(?<![A-Za-z0-9])`` of
    claims-schema.md) as an SGML marked section even inside backticks, and Python 3.11's
    ``html.parser`` raises on it. The rendered text is unchanged.
    """
    return _MARKED_SECTION_CODE.sub(lambda m: f"<code>{html.escape(m[1])}</code>", markdown)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Work around a parser crash on ``<![`` in inline code (see :func:`escape_marked_sections`)."""
    return escape_marked_sections(markdown)


def on_config(config: Any) -> Any:
    """Generate the API pages and put them in the nav."""
    gen_api = _load("gen_api")
    gen_api.generate(Path(config["docs_dir"]))
    entries = gen_api.nav()
    nav = config["nav"] or []
    for i, item in enumerate(nav):
        if isinstance(item, dict) and API_NAV_TITLE in item:
            nav[i] = {API_NAV_TITLE: entries}
            break
    else:
        nav.append({API_NAV_TITLE: entries})
    config["nav"] = nav
    return config


def on_files(files: Any, config: Any) -> Any:
    """Add the README as the home page (``index.md``), unless docs/ has one of its own."""
    from mkdocs.structure.files import File

    if files.get_file_from_path("index.md") is None:
        text = readme_as_home((ROOT / "README.md").read_text(encoding="utf-8"))
        files.append(File.generated(config, "index.md", content=text))
    return files
