"""The debugger's state: where we are in the timeline, breakpoints, the selected cell.

No drawing and no Textual here: the app turns key presses into calls on a :class:`Session`
and draws the scene built from it. Every move is O(1) in the step number (timeline random
access); continuing to a breakpoint searches a segment at a time with numpy.
"""

from dataclasses import dataclass

import numpy as np

from stepcnn.base.wording import count
from stepcnn.scenario.budget import iterations_problems
from stepcnn.scenario.display import MAX_PRECISION, MIN_PRECISION
from stepcnn.scenario.errors import Problem, ScenarioError
from stepcnn.scenario.model import Scenario, compared
from stepcnn.session.gradcheck import GradCheck, checked_slice, gradient_check
from stepcnn.timeline import Condition, Step, TensorId, Timeline, find
from stepcnn.timeline.navigation import next_boundary, previous_boundary
from stepcnn.timeline.nonfinite import NonfiniteSteps
from stepcnn.timeline.numbering import position, shown
from stepcnn.timeline.numbers import idx
from stepcnn.timeline.training import TrainingRun

KEPT_CHECKS = 8
"""Gradient checks kept for opening again (each is one slice of one layer's weights)."""
SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
"""Playback speeds, in steps per second."""

PARAMETER_TENSORS = ("weight", "bias", "grad_weight", "grad_bias")
SYMBOLS = {"weight": "W", "bias": "b", "grad_weight": "dW", "grad_bias": "db"}
"""A parameter's tensor named as the panels label it (other tensors by their own names)."""


def cell_label(tid: TensorId, cell: tuple[int, ...]) -> str:
    """``W[0,0,1,2]``: a cell named as the screen names it."""
    return f"{SYMBOLS.get(tid.name, tid.name)}{idx(cell)}"


NORMAL_VIEW = "normal"
"""``Session.view`` when the operation's own panels are shown (see stepcnn.present.views)."""


@dataclass(frozen=True)
class Breakpoint:
    condition: Condition
    label: str


def _layer_of(tid: TensorId, layer_count: int) -> int | None:
    """The layer whose output gradient ``tid`` holds (for click-to-jump in backward)."""
    if tid.name == "output":
        return tid.layer
    if tid.name == "grad_scores":
        return layer_count - 1
    if tid.name == "grad_input" and tid.layer is not None and tid.layer > 0:
        return tid.layer - 1
    return None


class Session:
    """A scenario opened in the debugger."""

    def __init__(self, scenario: Scenario, iterations: int | None = None) -> None:
        self.breakpoints: list[Breakpoint] = []
        self.selected: tuple[TensorId, tuple[int, ...]] | None = None
        self.message = ""
        self.view = NORMAL_VIEW  # the inline view shown where it applies; kept while stepping
        self._page = 0
        self._paged_at: tuple[object, ...] = ()  # the layer, op and view the page is of
        self.speed_index = 3
        self.iterations = iterations
        self.open(scenario)

    # ---- the scenario -----------------------------------------------------------------

    def open(self, scenario: Scenario, keep_position: bool = False) -> None:
        """Show ``scenario``; on a reload keep the step number (clamped) and breakpoints.

        An ``iterations`` override is checked against the memory budget first: on a problem
        ScenarioError is raised and nothing changes.
        """
        if self.iterations is not None:
            problems = iterations_problems(scenario, self.iterations)
            if problems:
                raise ScenarioError(
                    scenario.source, [Problem("--iterations", p.message) for p in problems]
                )
        old_k = getattr(self, "k", 0)
        old = getattr(self, "scenario", None)
        if old is None or not keep_position or old.display.precision != scenario.display.precision:
            # The file's precision is where a session starts (and where a reload that changes
            # it goes); the keys change it from there.
            self.precision = scenario.display.precision
        self.scenario = scenario
        count = scenario.iterations if self.iterations is None else self.iterations
        if not (keep_position and scenario is old and self.run.count == count):
            self._start_run(scenario)  # (the same scenario again: its run, as computed, stays)
        if keep_position:
            self.k = min(old_k, len(self.timeline) - 1)
        else:
            self.k = self.start
            self.breakpoints = []
            self.selected = None
        self._step: Step | None = None

    def _start_run(self, scenario: Scenario) -> None:
        """A new training run of ``scenario`` and its timeline (computed as they are used)."""
        self.run = TrainingRun(scenario, self.iterations)
        self._checks: dict[tuple[int, int, int], GradCheck] = {}
        other = compared(scenario)
        # The [compare] optimizer's run: its loss curve is drawn beside this one's.
        self.compare_run = None if other is None else TrainingRun(other, self.iterations)
        self.timeline = Timeline(self.run)
        self.start = self._start_step()
        self.nonfinite = NonfiniteSteps(self.timeline)

    def _start_step(self) -> int:
        d = self.scenario.display
        iteration = min(position(d.start_iteration), len(self.run) - 1)
        start = iteration * self.timeline.per_iteration
        if d.start_phase is None and d.start_layer is None:
            return start
        condition = Condition(
            iteration=iteration,
            phase=d.start_phase,
            layer=d.start_layer,
        )
        found = find(self.timeline, condition, start - 1)
        return start if found is None else found

    # ---- where we are -----------------------------------------------------------------

    @property
    def total(self) -> int:
        return len(self.timeline)

    @property
    def step(self) -> Step:
        if self._step is None or self._step.k != self.k:
            self._step = self.timeline[self.k]
        return self._step

    @property
    def page(self) -> int:
        """The page of the operation view shown when not everything fits on one (``t`` turns
        them): kept while stepping through an op, so a channel or a part stays in sight;
        the first page again at another op or view."""
        here = (self.step.layer, self.step.op, self.view)
        if here != self._paged_at:
            self._paged_at = here
            self._page = 0
        return self._page

    @page.setter
    def page(self, page: int) -> None:
        self._paged_at = (self.step.layer, self.step.op, self.view)
        self._page = page

    def goto(self, k: int) -> bool:
        """Go to step ``k`` (clamped); True if the position changed."""
        k = max(0, min(k, self.total - 1))
        moved = k != self.k
        self.k = k
        if moved:
            self.message = ""  # a message describes where we were
        return moved

    def step_by(self, delta: int) -> bool:
        return self.goto(self.k + delta)

    def boundary(self, level: str, direction: int) -> bool:
        target = (next_boundary if direction > 0 else previous_boundary)(
            self.timeline, self.k, level
        )
        if target is None:
            self.message = f"no {'next' if direction > 0 else 'previous'} {level}"
            return False
        return self.goto(target)

    def skip_zero(self, direction: int) -> bool:
        """Step, skipping the backward steps whose gradient is exactly zero."""
        from stepcnn.timeline.skipping import skip_zero_gradients

        target = skip_zero_gradients(self.timeline, self.k, direction)
        if target is None:
            self.message = f"no {'next' if direction > 0 else 'previous'} step"
            return False
        skipped = abs(target - self.k) - 1
        moved = self.goto(target)
        if skipped:
            self.message = f"skipped {count(skipped, 'step')} with gradient 0"
        return moved

    def loss_history(self) -> tuple[float, ...]:
        """The finite losses of the iterations computed so far (for the sparkline)."""
        losses = self.run.losses()
        return tuple(float(v) for v in losses[np.isfinite(losses)])

    # ---- breakpoints ------------------------------------------------------------------

    def toggle_breakpoint(self) -> str:
        """Set (or clear) a breakpoint on the current layer and operation: continuing stops
        where that operation starts (its first step), in every iteration."""
        step = self.step
        condition = Condition(layer=step.layer, op=step.op, entry=True)
        where = "loss" if step.layer is None else f"layer {step.layer}"
        return self._toggle(Breakpoint(condition, f"entering {where} {step.op}"))

    def toggle_watch(self) -> str:
        """Set (or clear) a watchpoint on the selected cell: stop when it is written."""
        if self.selected is None:
            self.message = "w watches a selected cell: click a cell first"
            return self.message
        tid, cell = self.selected
        condition = Condition(tensor=tid, cell=cell)
        where = "" if tid.layer is None else f"layer {tid.layer} "
        return self._toggle(Breakpoint(condition, f"{where}{cell_label(tid, cell)} written"))

    def _toggle(self, bp: Breakpoint) -> str:
        for existing in self.breakpoints:
            if existing.condition == bp.condition:
                self.breakpoints.remove(existing)
                self.message = f"breakpoint cleared: {bp.label}"
                return self.message
        self.breakpoints.append(bp)
        self.message = f"breakpoint set: {bp.label}"
        return self.message

    def clear_breakpoints(self) -> str:
        cleared = len(self.breakpoints)
        self.breakpoints.clear()
        self.message = f"{count(cleared, 'breakpoint')} cleared"
        return self.message

    def next_hit(self, direction: int, start: int | None = None) -> tuple[int, Breakpoint] | None:
        """The nearest breakpoint hit after (or before) ``start``."""
        origin = self.k if start is None else start
        best: tuple[int, Breakpoint] | None = None
        for bp in self.breakpoints:
            k = find(self.timeline, bp.condition, origin, direction)
            if k is not None and (best is None or (k - best[0]) * direction < 0):
                best = (k, bp)
        return best

    def continue_(self, direction: int) -> bool:
        """Run to the next breakpoint (direction 1) or back to the previous one (−1)."""
        if not self.breakpoints:
            self.message = "no breakpoints: b sets one on this layer and op, w on a selected cell"
            return False
        hit = self.next_hit(direction)
        if hit is None:
            self.message = f"no breakpoint {'ahead' if direction > 0 else 'behind'}"
            return False
        moved = self.goto(hit[0])
        self.message = f"stopped at breakpoint: {hit[1].label}"
        return moved

    def find_nonfinite(self) -> bool:
        """Jump to the first step that produces a NaN or an infinity."""
        k = self.nonfinite.first()
        if k is None:
            self.message = "no NaN or inf anywhere in this run"
            return False
        moved = self.goto(k)
        self.message = f"first non-finite value: step {shown(k)}"
        return moved

    def first_nonfinite(self, iteration: int) -> int | None:
        """The first step of ``iteration`` that produces a NaN or an infinity (found once)."""
        return self.nonfinite.first_in(iteration)

    def nonfinite_warning(self) -> str:
        """Status-bar warning once a NaN/inf has appeared at or before the current step."""
        step = self.step
        for it in range(step.iteration, -1, -1):
            first = self.first_nonfinite(it)
            if first is not None and first <= step.k:
                return f"⚠ NaN/inf since step {shown(first)} (f: jump there)"
            if first is None and it < step.iteration:
                break  # earlier iterations are finite if this one started finite
        return ""

    # ---- cells ------------------------------------------------------------------------

    def select(self, tid: TensorId, cell: tuple[int, ...]) -> None:
        self.selected = (tid, cell)

    def jump_to_cell(self, tid: TensorId, cell: tuple[int, ...], select_only: bool = False) -> bool:
        """The step that computes a cell (forward) or propagates its gradient (backward).

        Parameters and their gradients are not maps: clicking one only selects it (for the
        weight view and watchpoints) instead of jumping to its update, far away. An inline
        view showing the cell (``select_only``) only selects it too: the view shows what the
        cell is to it (the matrix view: its column of M).
        """
        self.select(tid, cell)
        if select_only:
            self.message = f"selected {cell_label(tid, cell)}"
            return False
        if tid.name in PARAMETER_TENSORS:
            self.message = (
                f"selected {cell_label(tid, cell)}: v shows its story, w stops where it is written"
            )
            return False
        iteration = self.step.iteration
        target = None
        if self.step.phase == "backward":
            layer = _layer_of(tid, len(self.scenario.layers))
            if layer is not None:
                condition = Condition(
                    iteration=iteration, phase="backward", layer=layer, index=cell
                )
                target = find(self.timeline, condition, iteration * self.timeline.per_iteration - 1)
        if target is None:
            target = self.timeline.step_writing(iteration, tid, cell)
        name = cell_label(tid, cell)
        if target is None:
            self.message = f"selected {name}: no step of this iteration writes it"
            return False
        moved = self.goto(target)
        self.message = f"selected {name}"
        return moved

    # ---- checks -----------------------------------------------------------------------

    def gradient_check(self) -> GradCheck | None:
        """Finite differences for the parameter slice of the current step's layer; the last
        few checks are kept (by iteration, layer and slice), so that opening the same check
        again costs nothing."""
        where = checked_slice(self.scenario, self.step)
        if where is None:
            self.message = "gradient check: go to a conv2d or linear step"
            return None
        key = (self.step.iteration, *where)
        check = self._checks.pop(key, None) or gradient_check(self.scenario, self.run, self.step)
        assert check is not None
        self._checks[key] = check  # the most recent last
        while len(self._checks) > KEPT_CHECKS:
            del self._checks[next(iter(self._checks))]
        return check

    # ---- playback -----------------------------------------------------------------------

    @property
    def speed(self) -> int:
        return SPEEDS[self.speed_index]

    def change_precision(self, delta: int) -> str:
        """More (``delta`` > 0) or fewer decimals in every matrix, within 0–6 (the status bar
        shows the precision; the message says when a limit stops it)."""
        wanted = self.precision + delta
        self.precision = max(MIN_PRECISION, min(MAX_PRECISION, wanted))
        if wanted != self.precision:
            self.message = (
                f"precision stays at {self.precision} decimals ({MIN_PRECISION}–{MAX_PRECISION})"
            )
        return self.message

    def change_speed(self, delta: int) -> str:
        self.speed_index = max(0, min(len(SPEEDS) - 1, self.speed_index + delta))
        self.message = f"playback speed: {self.speed} steps/s"
        return self.message

    def advance(self, count: int) -> bool:
        """Playback: move ``count`` steps forward, stopping at a breakpoint or at the end.

        Returns False when playback should stop.
        """
        hit = self.next_hit(1) if self.breakpoints else None
        target = self.k + count
        if hit is not None and hit[0] <= target:
            self.goto(hit[0])
            self.message = f"stopped at breakpoint: {hit[1].label}"
            return False
        if target >= self.total - 1:
            self.goto(self.total - 1)
            self.message = "end of the run"
            return False
        self.goto(target)
        return True
