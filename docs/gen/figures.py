"""The pictures of the documentation, each made by ``stepcnn figure`` (``make docs-figures``).

Each figure names a built-in scenario and the kind of step to show (a search condition, so
that the picture follows the step if the timeline's numbering changes); the command run is
``stepcnn figure SCENARIO --step K [--size WxH] [--theme T] [--view V] -o docs/img/NAME.svg``.
``tests/test_docs_figures.py`` fails when a picture in the docs is not one of these, or is not
what the command makes now.
"""

import sys
from dataclasses import dataclass
from pathlib import Path

from stepcnn.cli.main import main as stepcnn
from stepcnn.session.session import Session
from stepcnn.timeline import Condition, find
from stepcnn.timeline.load import load_scenario
from stepcnn.timeline.numbering import shown

ROOT = Path(__file__).resolve().parents[2]
IMG = ROOT / "docs" / "img"


@dataclass(frozen=True)
class Figure:
    name: str  # docs/img/<name>.svg
    scenario: str
    step: Condition  # the first step that matches
    size: tuple[int, int] = (160, 50)
    theme: str | None = None
    view: str | None = None

    def arguments(self, output: Path) -> list[str]:
        """The ``stepcnn figure`` arguments that make this picture at ``output``."""
        session = Session(load_scenario(self.scenario))
        k = find(session.timeline, self.step, -1)
        assert k is not None, f"{self.name}: no step of {self.scenario} matches {self.step}"
        args = ["figure", self.scenario, "--step", str(shown(k))]
        if self.size != (160, 50):
            args += ["--size", f"{self.size[0]}x{self.size[1]}"]
        if self.theme:
            args += ["--theme", self.theme]
        if self.view:
            args += ["--view", self.view]
        return [*args, "-o", str(output)]


FIGURES = (
    Figure(
        "conv-backward",
        "shared-weights",
        Condition(op="conv2d.backward", index=(0, 0, 1, 0)),
        size=(100, 28),
    ),
    Figure("conv-forward", "tour", Condition(op="conv2d.forward", index=(0, 0, 1, 1))),
    Figure(
        "conv-as-matrix",
        "hand-computable",
        Condition(op="conv2d.forward", index=(0, 0, 1, 1)),
        view="fc",
    ),
    Figure(
        "digits-80x24",
        "digits",
        Condition(op="conv2d.forward", index=(0, 1, 2, 3)),
        size=(80, 24),
    ),
    Figure(
        "update-light",
        "hand-computable",
        Condition(op="conv2d.update"),
        size=(100, 30),
        theme="textual-light",
    ),
)


def make(figure: Figure, folder: Path = IMG) -> Path:
    """Run ``stepcnn figure`` for ``figure`` into ``folder`` (replacing the picture there)."""
    output = folder / f"{figure.name}.svg"
    output.unlink(missing_ok=True)  # (figure never overwrites a file)
    status = stepcnn(figure.arguments(output))
    if status != 0:
        raise RuntimeError(f"stepcnn figure failed for {figure.name} (exit {status})")
    return output


def main() -> int:
    IMG.mkdir(parents=True, exist_ok=True)
    for figure in FIGURES:
        make(figure)
    return 0


if __name__ == "__main__":
    sys.exit(main())
