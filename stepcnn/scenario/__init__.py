"""Scenario files: TOML data, validated strictly, turned into a :class:`Scenario`.

May import engine and base only. Loading with every check (narration rules against the steps)
is :mod:`stepcnn.timeline.load`, which passes the timeline's plan of steps to the loader here.
"""

from stepcnn.scenario.errors import Problem, ScenarioError
from stepcnn.scenario.model import Scenario

__all__ = ["Problem", "Scenario", "ScenarioError"]
