"""The one error type the scenario loader raises: a list of problems, each with a field path."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where (a field path such as ``layers[1].stride``) and what.

    ``path`` is empty for problems with the file itself (missing, unreadable, not TOML).
    """

    path: str
    message: str

    def render(self, source: str) -> str:
        """One line: ``file: field.path: message``."""
        where = f"{source}: {self.path}: " if self.path else f"{source}: "
        return where + self.message


class ScenarioError(Exception):
    """A scenario could not be loaded; ``problems`` says every reason found."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """Every problem on its own line, naming the file and the field."""
        return [p.render(self.source) for p in self.problems]
