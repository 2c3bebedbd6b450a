"""How steps and iterations are numbered wherever a person reads or types them: from 1.

Inside the program a step is its 0-based position ``k`` in the timeline and an iteration its
0-based position in the run. People count: the first step is step 1, the last of 820 is step
820, the first iteration is iteration 1. The screen, ``:`` (go to step), ``--step``,
``stepcnn trace``, ``stepcnn export``, the narration placeholders and a scenario file's
``iteration`` / ``steps`` / ``start_iteration`` all use these numbers. Indices into tensors,
layers, channels and filters (``layer 0``, ``W[0]``, ``out[0,0,1,1]``) stay 0-based, as in
numpy and PyTorch.
"""

FIRST = 1  # the number of the first step and of the first iteration


def shown(position: int) -> int:
    """The number people see for 0-based ``position``."""
    return position + FIRST


def position(number: int) -> int:
    """The 0-based position of the step or iteration people call ``number``."""
    return number - FIRST


def counter(noun: str, position_: int, total: int) -> str:
    """``counter("step", 16, 820)`` → ``"step 17 of 820"`` (``"step 1,017 of 51,600"``)."""
    return f"{noun} {shown(position_):,} of {total:,}"
