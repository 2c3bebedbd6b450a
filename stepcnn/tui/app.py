"""The stepcnn debugger app: keys become Session calls; widgets draw the resulting Scene."""

import sys
import time
from collections.abc import Iterable
from pathlib import Path

from rich.style import Style
from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static

from stepcnn.present.scene import Scene, build_scene
from stepcnn.present.status import loss_text
from stepcnn.scenario import ScenarioError, load_scenario
from stepcnn.scenario.builtin import paths, title_of
from stepcnn.scenario.model import Scenario
from stepcnn.session import Session
from stepcnn.timeline.numbering import counter, shown
from stepcnn.tui.bindings import BINDINGS, describe_bindings
from stepcnn.tui.hangup import HANGUP_STATUS, TerminalWatch, let_go_of_terminal
from stepcnn.tui.loss_strip import LossStrip
from stepcnn.tui.operation import OperationView
from stepcnn.tui.source_pane import SourcePane
from stepcnn.tui.text import Span, TextBlock
from stepcnn.wording import count

MIN_WIDTH, MIN_HEIGHT = 60, 18
FRAME_RATE = 30

DIM = Style(color="#8a8a8a")
BOLD = Style(bold=True)
CURRENT = Style(color="#000000", bgcolor="#ffd75f", bold=True)
DONE = Style(color="#d0d0d0")
TODO = Style(color="#6c6c6c")
WARN = Style(color="#ff5fd7", bold=True)
KEY = Style(color="#5fd7ff", bold=True)
EQUATION = Style(color="#ffffff", bold=True)
NARRATION = Style(color="#c6c6c6", italic=True)


class StepCNNApp(App[int]):
    """Step through a CNN's training, one elementary operation at a time."""

    TITLE = "stepcnn"
    BINDINGS = BINDINGS  # type: ignore[assignment]
    CSS = """
    Screen { layout: vertical; }
    #main { height: 1fr; }
    #top { height: 1; margin-bottom: 1; }
    #network { width: 1fr; }
    #sparkline { width: 24; height: 1; margin: 0 1 0 0; }
    #loss-label { width: auto; margin: 0 1 0 0; color: $text-muted; }
    #status { height: 1; }
    #status { background: $panel; padding: 0 1; }
    #too-small { display: none; width: 100%; height: 100%; content-align: center middle; }
    """

    def __init__(self, session: Session, ref: str | None = None, watch: bool = False) -> None:
        super().__init__()
        self.session = session
        self.ref = ref
        self.watch_file = watch
        self.hidden: set[str] = set(session.scenario.display.hidden)
        self._player: Timer | None = None
        self._mtime: float | None = None
        self._owed = 0.0  # playback steps due but not yet taken
        self._last_tick = time.monotonic()
        self._view_shown = ""  # the inline view drawn now ("": the operation's own panels)

    # ---- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="main"):
            with Horizontal(id="top"):
                yield TextBlock(id="network")
                yield Static("loss", id="loss-label")
                yield LossStrip(id="sparkline")
            yield OperationView(id="operation")
            yield SourcePane(id="source")
        yield Static(id="too-small")
        yield TextBlock(id="status", max_lines=1)
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"stepcnn — {self.session.scenario.title}"
        self._player = self.set_interval(1 / FRAME_RATE, self._tick, pause=True)
        if not self.is_headless:  # end with the terminal (SIGHUP, or its input/output gone)
            keys = sys.__stdin__.fileno() if sys.__stdin__ is not None else None
            fds = [f.fileno() for f in (sys.__stdin__, sys.__stderr__) if f is not None]
            TerminalWatch(lambda: self.exit(return_code=HANGUP_STATUS), fds, input_fd=keys).start()
        if self.watch_file and self._path() is not None:
            self._mtime = self._file_mtime()
            self.set_interval(1.0, self._check_file)
        self._apply_hidden()
        self.redraw()
        self.run_worker(self._train_all, thread=True, exclusive=True, group="train")

    def _train_all(self) -> None:
        """Compute every iteration in the background so the loss sparkline fills in."""
        run = self.session.run
        for i in range(len(run)):
            run.record(i)
            if i % 10 == 9 or i == len(run) - 1:
                self.call_from_thread(self._update_sparkline)

    def _update_sparkline(self) -> None:
        strip = self.query_one(LossStrip)
        was_log = strip.line.log
        strip.show(self.session.run, self.session.step.iteration)
        if strip.line.log != was_log:
            self.query_one("#loss-label", Static).update("log loss" if strip.line.log else "loss")

    def on_resize(self, event: events.Resize) -> None:
        # event.size, not self.size: this handler runs before App._on_resize stores the new
        # size, so self.size is still the previous one.
        width, height = event.size
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        for widget in (self.query_one("#main"), self.query_one("#status"), self.query_one(Footer)):
            widget.display = not small  # the notice alone: no fragment of anything else
        notice = self.query_one("#too-small", Static)
        notice.display = small
        if small:
            notice.update(
                f"stepcnn needs a terminal of at least {MIN_WIDTH}×{MIN_HEIGHT}; "
                f"this one is {width}×{height}."
            )

    # ---- drawing -----------------------------------------------------------------------

    def redraw(self) -> None:
        scene = build_scene(self.session)
        self._view_shown = scene.view
        texts: list[tuple[list[Span], int]] = []
        if "equation" not in self.hidden:
            texts.append(([(scene.equation, EQUATION)], 3))
        if "narration" not in self.hidden:
            texts.append(([(scene.narration, NARRATION)], 6))
        self.query_one(OperationView).show(list(scene.panels), texts, scene.channel_start)
        self.query_one("#network", TextBlock).set_fitting(
            [self._network_spans(scene, short) for short in (False, True)]
        )
        self.query_one("#status", TextBlock).set_fitting(
            [
                self._status_spans(scene, short, tight)
                for short, tight in ((False, False), (False, True), (True, True))
            ]
        )
        if "source" not in self.hidden:
            self._show_source(self.session.step.op)
        self._update_sparkline()

    def _network_spans(self, scene: Scene, short: bool) -> list[Span]:
        """The layers as boxes; the short form names only the current layer's shape."""
        spans: list[Span] = []
        for i, item in enumerate(scene.network):
            if i:
                spans.append((scene.direction if short else f"  {scene.direction}  ", DIM))
            style = {"current": CURRENT, "done": DONE, "todo": TODO}[item.state]
            if not short:
                spans.append((f" {item.label} {item.shape} ", style))
            elif item.state == "current":
                spans.append((f" {item.short} {item.shape} ", style))
            else:
                spans.append((f" {item.short} ", style))
        return spans

    def _status_spans(self, scene: Scene, short: bool, tight: bool = False) -> list[Span]:
        s = scene.status
        sep: Span = (" │ " if tight else "  │  ", DIM)
        spans: list[Span] = [
            (
                f"it {shown(s.iteration)}/{s.iterations}"
                if short
                else counter("iteration", s.iteration, s.iterations),
                BOLD,
            ),
            sep,
            (f"{s.phase} {scene.direction}", BOLD),
            sep,
            (s.where, ""),
            sep,
            (f"{shown(s.k):,}/{s.total:,}" if short else counter("step", s.k, s.total), BOLD),
            sep,
            (loss_text(s.loss, s.previous_loss, short), ""),
        ]
        if s.breakpoints:
            spans += [
                sep,
                (
                    f"● {s.breakpoints}" if short else f"● {count(s.breakpoints, 'breakpoint')}",
                    KEY,
                ),
            ]
        if self._player is not None and self._player._active.is_set():
            spans += [sep, (f"▶ {self.session.speed}/s", KEY)]
        if s.warning:
            spans += [sep, ("⚠ NaN/inf" if short else s.warning, WARN)]
        if s.view:
            spans += [sep, (s.view_short if short else s.view, KEY)]
        if s.message:
            spans += [sep, (s.message, DIM)]
        return spans

    def _show_source(self, op: str) -> None:
        self.query_one(SourcePane).show(op)

    def _apply_hidden(self) -> None:
        for name, selector in (
            ("network", "#top"),
            ("sparkline", "#sparkline"),
            ("sparkline", "#loss-label"),
            ("source", "#source"),
        ):
            self.query_one(selector).display = name not in self.hidden

    # ---- actions (bound in bindings.py) ------------------------------------------------

    def _moved(self, moved: bool) -> None:
        if moved or self.session.message:
            self.redraw()

    def _act(self, moved: bool) -> None:
        self._moved(moved)
        self.session.message = ""

    def action_step(self, delta: int) -> None:
        self._act(self.session.step_by(delta))

    def action_channels(self) -> None:
        """The next page of input channels (when not all fit the terminal)."""
        self.session.channel_start = self.query_one(OperationView).next_channel_start
        self._act(True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "channels":  # in the footer only while the channels are paged
            views = self.query(OperationView)
            return bool(views) and views.first().pages_channels
        return True

    def action_skip_zero(self, direction: int) -> None:
        self._act(self.session.skip_zero(direction))

    def action_move(self, level: str, direction: int) -> None:
        self._act(self.session.boundary(level, direction))

    def action_edge(self, end: int) -> None:
        self._act(self.session.goto(self.session.total - 1 if end else 0))

    def action_practice(self) -> None:
        from stepcnn.tui.predict import open_practice

        open_practice(self, self.session)

    def action_goto(self) -> None:
        from stepcnn.tui.screens import GotoScreen

        def done(k: int | None) -> None:
            if k is not None:
                self._act(self.session.goto(k))

        self.push_screen(GotoScreen(self.session.total), done)

    def action_play(self) -> None:
        assert self._player is not None
        if self._player._active.is_set():
            self._player.pause()
        else:
            self._owed, self._last_tick = 1.0, time.monotonic()  # the first step comes at once
            self._player.resume()
        self.redraw()

    def _tick(self) -> None:
        """Playback: advance as many steps as the chosen speed owes since the last tick."""
        now = time.monotonic()
        self._owed += self.session.speed * (now - self._last_tick)
        self._last_tick = now
        count = int(self._owed)
        if count == 0:
            return
        self._owed -= count
        keep_going = self.session.advance(count)
        if not keep_going and self._player is not None:
            self._player.pause()
        self.redraw()

    def action_speed(self, delta: int) -> None:
        self.session.change_speed(delta)
        self._act(False)

    def action_breakpoint(self) -> None:
        self.session.toggle_breakpoint()
        self._act(False)

    def action_watch(self) -> None:
        self.session.toggle_watch()
        self._act(False)

    def action_clear_breakpoints(self) -> None:
        self.session.clear_breakpoints()
        self._act(False)

    def action_continue(self, direction: int) -> None:
        self._act(self.session.continue_(direction))

    def action_nonfinite(self) -> None:
        self._act(self.session.find_nonfinite())

    def action_view(self, name: str) -> None:
        """Open the screen view ``name`` (see stepcnn.present.views), or say why not."""
        from stepcnn.present.views import view
        from stepcnn.tui.screens import ViewScreen

        content = view(name).build(self.session)
        if isinstance(content, str):
            self.session.message = content
            self._act(False)
            return
        self.push_screen(ViewScreen(content))

    def action_cycle_view(self, key: str) -> None:
        """The next inline view bound to ``key`` (see stepcnn.present.views)."""
        from stepcnn.present.views import next_inline

        self.session.view = next_inline(key, self.session.view)
        self._act(True)

    def action_toggle_pane(self, panel: str) -> None:
        self.hidden ^= {panel}
        self._apply_hidden()
        self.query_one(SourcePane).forget()
        self.redraw()

    def action_help(self) -> None:
        from stepcnn.tui.screens import HelpScreen

        self.push_screen(HelpScreen(describe_bindings()))

    def action_about(self) -> None:
        from stepcnn.tui.screens import AboutScreen

        s = self.session.scenario
        where = str(s.path) if s.path is not None else s.source
        self.push_screen(
            AboutScreen(
                s.title,
                [
                    ("This step", build_scene(self.session).narration),
                    ("Equation", self.session.step.equation),
                    ("Description", s.description),
                    ("Introduction", s.narration.intro),
                    ("Credit", s.credit),
                    (
                        "File",
                        f"{where}  ({count(len(s.layers), 'layer')}, "
                        f"{count(s.parameter_count, 'parameter')}, "
                        f"{count(self.session.timeline.per_iteration, 'step')} per iteration, "
                        f"{count(len(self.session.run), 'iteration')})",
                    ),
                ],
            )
        )

    def action_pick(self) -> None:
        from stepcnn.tui.screens import PickerScreen

        choices = [(p.stem, title_of(p)) for p in paths()]

        def done(name: str | None) -> None:
            if name is not None:
                self.open_scenario(name)

        self.push_screen(PickerScreen(choices, self.session.scenario.name), done)

    def action_reload(self) -> None:
        self._reload()

    # ---- scenarios ---------------------------------------------------------------------

    def open_scenario(self, ref: str) -> None:
        from stepcnn.tui.screens import MessageScreen

        iterations = self.session.iterations
        try:
            scenario = load_scenario(ref)
            self.session.iterations = None  # --iterations was for the scenario named at launch
            self._replace(scenario, keep_position=False)
        except ScenarioError as exc:
            self.session.iterations = iterations
            self.push_screen(MessageScreen(f"Could not open {ref}", exc.lines()))
            return
        self.ref = ref

    def _replace(self, scenario: Scenario, keep_position: bool) -> None:
        """Show ``scenario`` (raises ScenarioError, changing nothing, if it cannot be)."""
        self.session.open(scenario, keep_position=keep_position)
        self.hidden = set(scenario.display.hidden) if not keep_position else self.hidden
        self.title = f"stepcnn — {scenario.title}"
        self._apply_hidden()
        self.query_one(SourcePane).forget()
        self.redraw()
        self.run_worker(self._train_all, thread=True, exclusive=True, group="train")

    def _path(self) -> Path | None:
        return self.session.scenario.path

    def _file_mtime(self) -> float | None:
        path = self._path()
        try:
            return path.stat().st_mtime if path is not None else None
        except OSError:
            return None

    def _check_file(self) -> None:
        mtime = self._file_mtime()
        if mtime is not None and mtime != self._mtime:
            self._mtime = mtime
            self._reload()

    def _reload(self) -> None:
        """Reload the scenario file; on errors keep everything as it is and show them."""
        path = self._path()
        if path is None:
            return
        try:
            self._replace(load_scenario(str(path)), keep_position=True)
        except ScenarioError as exc:
            self.notify(
                "\n".join(exc.lines()[:6]),
                title="Reload failed — nothing changed",
                severity="error",
                timeout=10,
                markup=False,
            )
            return
        self.notify(f"reloaded {path.name}", timeout=3, markup=False)

    # ---- mouse -------------------------------------------------------------------------

    def on_operation_view_cell_clicked(self, event: OperationView.CellClicked) -> None:
        select_only = bool(self._view_shown)  # a matrix view shows what the cell is to it
        self._act(self.session.jump_to_cell(event.tensor, event.cell, select_only) or True)

    # ---- command palette -----------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:  # type: ignore[type-arg]
        yield from super().get_system_commands(screen)
        for binding in BINDINGS:
            keys = binding.key_display or binding.key
            yield SystemCommand(
                binding.description,
                f"key: {keys}",
                lambda action=binding.action: self.run_action(action),
            )
        for path in paths():
            yield SystemCommand(
                f"Open scenario: {path.stem}",
                title_of(path),
                lambda name=path.stem: self.open_scenario(name),
            )


def run_app(session: Session, ref: str | None = None, watch: bool = False) -> int:
    app = StepCNNApp(session, ref, watch)
    app.run()
    if app.return_code == HANGUP_STATUS:
        let_go_of_terminal()
    return app.return_code or 0
