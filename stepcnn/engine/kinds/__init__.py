"""One module per layer kind, named for the kind's ``type`` (``conv2d.py`` is ``type = "conv2d"``).

Each module holds the kind's arithmetic — the vectorised ``forward``/``backward`` pair and the
naive loop forms beside it — and ``LAYER``, the layer description class the rest of stepcnn
builds. Nothing lists the kinds by hand: :func:`stepcnn.engine.registry.layer_kinds` finds them.
"""
