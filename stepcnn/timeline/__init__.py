"""The timeline: a training run as a sequence of elementary steps, with random access.

May import engine, scenario and base; never session, present, tui, io, api, cli or web.
"""

from stepcnn.timeline.navigation import LEVELS, next_boundary, previous_boundary
from stepcnn.timeline.search import ANY, Condition, find
from stepcnn.timeline.step import Partial, Region, Step, TensorId
from stepcnn.timeline.timeline import Timeline

__all__ = [
    "ANY",
    "LEVELS",
    "Condition",
    "Partial",
    "Region",
    "Step",
    "TensorId",
    "Timeline",
    "find",
    "next_boundary",
    "previous_boundary",
]
