"""The garbage collector in a session of the debugger: out of the way of a key's frame.

What start-up and the first second make (modules, the scenario, the main screen, the kept
dialogs) lives as long as the app. :func:`settle_garbage` collects once and moves every
object alive then out of the collector's sight (``gc.freeze``), so that a full collection
only walks what was made since: it runs after the first frame, and again once the dialogs
are made (:mod:`stepcnn.tui.kept`).
"""

import gc


def settle_garbage() -> None:
    """Collect what is garbage now, freeze the rest, and turn the collector on (``stepcnn``
    turns it off until the first frame)."""
    gc.collect()
    gc.freeze()
    gc.enable()
