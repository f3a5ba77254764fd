"""Where VLMEvalKit would download a dataset's TSV from, read from its source text (no ``import vlmeval``).

A missing TSV must fail within seconds, naming where the file comes from; importing ``vlmeval`` to
ask it takes 10-15 s, so this reads its ``DATASET_URL`` tables as text instead: every
``'<name>': 'https://...'`` entry of the ``vlmeval/dataset`` modules. Nothing found: the name is not
one VLMEvalKit downloads (a typo, or a dataset it builds otherwise); the nearest names are offered.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Optional

_ENTRY = re.compile(r"""['"]([A-Za-z0-9_.\-]+)['"]\s*:\s*['"](https?://[^'"\s]+)['"]""")


def url_table(text: str) -> dict[str, str]:
    """``{dataset: url}`` of the ``'<name>': 'http...'`` entries in one module's text."""
    return {name: url for name, url in _ENTRY.findall(text)}


def package_dir() -> Optional[Path]:
    """The installed ``vlmeval`` package folder (found without importing it), or ``None``."""
    spec = find_spec("vlmeval")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


@lru_cache(maxsize=4)
def dataset_urls(root: Optional[Path] = None) -> dict[str, str]:
    """Every dataset URL listed in ``<vlmeval>/dataset/**/*.py`` (empty when it is not installed)."""
    root = root or package_dir()
    if root is None:
        return {}
    urls: dict[str, str] = {}
    for path in sorted((Path(root) / "dataset").rglob("*.py")):
        try:
            urls.update(url_table(path.read_text(encoding="utf-8", errors="replace")))
        except OSError:
            continue
    return urls


def where_from(name: str, urls: dict[str, str]) -> str:
    """A clause saying where VLMEvalKit gets ``<name>.tsv`` (or that it lists no such dataset)."""
    if name in urls:
        return f"VLMEvalKit downloads it from {urls[name]}"
    near = difflib.get_close_matches(name, list(urls), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    return f"VLMEvalKit lists no download for {name!r}{hint}"
