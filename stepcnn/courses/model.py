"""What a course is once loaded: chapters, each a scenario with stops pinned to its steps.

A stop is narration shown at one step; a checkpoint is a stop that asks the learner to predict
the value the step computes. Steps here are the run's own numbers, from 0 (the screen and the
course file count from 1).
"""

from dataclasses import dataclass

from stepcnn.scenario.model import Scenario

ASKS = ("result", "dW", "weight")
"""What a checkpoint asks: ``result`` the number predict mode asks at that step (forward: the
element computed; backward: the gradient sent back; update: the new weight), ``dW`` the running
filter gradient after a conv2d/linear backward step, ``weight`` a weight after the update."""


@dataclass(frozen=True)
class Checkpoint:
    prompt: str
    ask: str = "result"
    cell: tuple[int, ...] | None = None  # in W[f] for dW and weight (None: the first cell)


@dataclass(frozen=True)
class Stop:
    k: int  # the step, from 0
    text: str  # narration (placeholders as in a scenario's)
    view: str = ""  # the inline view to show there ("": leave the view as it is)
    checkpoint: Checkpoint | None = None
    path: str = ""  # where it stands in the file: "chapters[0].checkpoints[1]"


@dataclass(frozen=True)
class Chapter:
    number: int  # from 1
    title: str
    ref: str  # the scenario as the course names it (a built-in name, or a resolved path)
    scenario: Scenario
    goals: tuple[str, ...]
    intro: str
    precision: int  # decimals its matrices and answers show
    exercise: bool  # write-it-yourself: the learner's file is graded (stepcnn verify)
    stops: tuple[Stop, ...]  # in step order

    @property
    def checkpoints(self) -> tuple[Stop, ...]:
        return tuple(s for s in self.stops if s.checkpoint is not None)


@dataclass(frozen=True)
class Course:
    name: str  # what progress is kept under: the built-in's name, or the file's resolved path
    title: str
    description: str
    source: str  # how messages name the file
    chapters: tuple[Chapter, ...]
