"""One module per layer kind, named for the kind's ``type``: the steps its layer is made of.

Each module has ``OPS``, the kind's operation per phase (``"forward"``, ``"backward"`` and, for
kinds with parameters, ``"update"``); :func:`stepcnn.timeline.ops.layer_op` finds them.
"""
