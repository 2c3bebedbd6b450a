"""Shared helpers for the engine, scenario and CLI tests (import them from ``conftest``)."""

from pathlib import Path


def write_scenario(tmp_path: Path, text: str, name: str = "scenario.toml") -> Path:
    """Write ``text`` (UTF-8) to ``tmp_path / name`` and return the path."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "slow: takes seconds (builds and installs a wheel)")
