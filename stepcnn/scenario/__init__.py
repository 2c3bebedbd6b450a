"""Scenario files: TOML data, validated strictly, turned into a :class:`Scenario`."""

from stepcnn.scenario.errors import Problem, ScenarioError
from stepcnn.scenario.loader import load_file, load_scenario, parse_scenario
from stepcnn.scenario.model import Scenario

__all__ = ["Problem", "Scenario", "ScenarioError", "load_file", "load_scenario", "parse_scenario"]
