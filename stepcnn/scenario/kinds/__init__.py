"""One module per layer kind, named for the kind's ``type``: how its ``[[layers]]`` entry is read.

Each module has ``read(table, in_shape) -> ReadLayer | None`` (checks the kind's keys and shapes;
``in_shape`` is None once an earlier layer was wrong, when only the keys can be checked) and
``ALIASES``, other names a teacher may write for the kind (``"fc"`` for ``linear``), which the
error message turns into a suggestion.
"""
