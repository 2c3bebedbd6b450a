"""The generated pages of the documentation: made from the code, so they cannot drift.

``python -m docs.gen`` (``make docs-gen``) writes ``docs/reference/*.md`` and the package map
in ``CONTRIBUTING.md``; ``python -m docs.gen --check`` says which are stale. The figures are
``python -m docs.gen.figures`` (``make docs-figures``), made with ``stepcnn figure``.
"""
