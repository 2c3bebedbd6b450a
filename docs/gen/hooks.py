"""mkdocs hooks (``hooks:`` in mkdocs.yml): the docstrings' Sphinx roles read as plain code.

stepcnn's docstrings name other objects as Sphinx does (``:class:`Lesson```); mkdocstrings
renders a docstring as Markdown, where the role's name would show before the code.
"""

import re
from typing import Any

ROLE = re.compile(r":(?:class|meth|func|mod|data|attr|exc|obj):(?=<code>)")


def on_page_content(html: str, **_: Any) -> str:
    """The page's HTML with every ``:role:`` before a code span removed."""
    return ROLE.sub("", html)
