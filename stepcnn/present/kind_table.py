"""The presentation of a layer kind, read from its module in :mod:`stepcnn.present.kinds`."""

from collections.abc import Callable
from types import ModuleType
from typing import Any

from stepcnn.engine.registry import kind_module

PACKAGE = "stepcnn.present.kinds"
REQUIRED = ("SHORT", "PANELS", "NARRATION", "SOURCES")
"""What every kind's module defines; trainable kinds add ``WEIGHT_STORY``."""


def module(kind: str) -> ModuleType:
    return kind_module(PACKAGE, kind)


def short_name(kind: str) -> str:
    name: str = module(kind).SHORT
    return name


def builder(kind: str, phase: str) -> Callable[..., Any]:
    build: Callable[..., Any] = module(kind).PANELS[phase]
    return build


def narration(kind: str, phase: str) -> str:
    text: str = module(kind).NARRATION[phase]
    return text


def source(kind: str, phase: str) -> tuple[Callable[..., Any], str]:
    found: tuple[Callable[..., Any], str] = module(kind).SOURCES[phase]
    return found
