"""The debugger's main screen: its widgets, the keys' actions, clicks, opening scenarios.

Keys become Session calls; the widgets draw the Scene the presenter builds from the session
(and the network strip and status bar :mod:`stepcnn.present` words), in the colours of the
app's theme (:mod:`stepcnn.tui.palette`).
"""

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.message import Message
from textual.theme import Theme
from textual.widgets import Static

from stepcnn.present.scene import build_scene
from stepcnn.present.status import status_variants
from stepcnn.present.strip import network_variants
from stepcnn.scenario import ScenarioError
from stepcnn.scenario.model import Scenario
from stepcnn.session.session import Session
from stepcnn.timeline.load import load_scenario, reload_scenario
from stepcnn.tui.bindings import BINDINGS, describe_bindings
from stepcnn.tui.clock import PlaybackClock
from stepcnn.tui.course_mode import CourseActions
from stepcnn.tui.footer import KeyFooter
from stepcnn.tui.kept import open_kept
from stepcnn.tui.loss_strip import LossStrip
from stepcnn.tui.operation import EQUATION_LINES, OperationView
from stepcnn.tui.palette import palette_of
from stepcnn.tui.source_pane import SourcePane
from stepcnn.tui.text import Span, TextBlock
from stepcnn.tui.watcher import FileWatcher

MIN_WIDTH, MIN_HEIGHT = 60, 18

PANES: tuple[tuple[str, str], ...] = (
    ("network", "#top"),
    ("sparkline", "#sparkline"),
    ("sparkline", "#loss-label"),
    ("source", "#source"),
)
"""(name in ``[display] hidden`` and the ``toggle_pane`` action, the widget it hides)."""


class MainScreen(CourseActions):
    """The operation view with the network strip, loss sparkline, source pane and status bar."""

    BINDINGS = BINDINGS  # type: ignore[assignment]
    SCOPED_CSS = False  # rules for this screen's own widgets, by id
    DEFAULT_CSS = """
    MainScreen { layout: vertical; }
    #main { height: 1fr; }
    #top { height: 1; margin-bottom: 1; }
    #network { width: 1fr; }
    #sparkline { width: 24; height: 1; margin: 0 1 0 0; }
    #loss-label { width: auto; margin: 0 1; color: $text-muted; }
    #status { height: 1; background: $panel; padding: 0 1; }
    #too-small { display: none; width: 100%; height: 100%; content-align: center middle; }
    """

    def __init__(self, session: Session, watch: bool = False, ref: str | None = None) -> None:
        super().__init__(id="main-screen")
        self.session = session
        self.ref = ref  # the scenario as named at launch or opened since (a name or a path)
        self.hidden: set[str] = set(session.scenario.display.hidden)
        self.clock = PlaybackClock(lambda: self.session.speed, self._play_steps)
        self.watcher = FileWatcher(lambda: self.session.scenario.path, self.reload)
        self.watch_file = watch
        self.view_shown = ""  # the inline view drawn now ("": the operation's own panels)

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
        yield KeyFooter()

    def on_mount(self) -> None:
        self.app.title = f"stepcnn — {self.session.scenario.title}"
        self.clock.attach(self)
        if self.watch_file and self.session.scenario.path is not None:
            self.watcher.start(self)
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self._apply_hidden()
        self.fit(self.app.size)
        self.redraw()
        self.call_after_refresh(self._train)  # training would hold the GIL during frame 1

    def _train(self) -> None:
        self.run_worker(self._train_all, thread=True, exclusive=True, group="train")

    def _train_all(self) -> None:
        """Compute every iteration in the background so the loss sparkline fills in."""
        run, other, nonfinite = self.session.run, self.session.compare_run, self.session.nonfinite
        for i in range(len(run)):
            run.record(i)
            nonfinite.first_in(i)  # its first NaN/inf while its tensors are at hand (for `f`)
            if other is not None:  # the [compare] optimizer's curve grows beside
                other.record(i)
            if i % 10 == 9 or i == len(run) - 1:
                # post_message: thread-safe, never waiting; a screen already closing (the app
                # quit meanwhile) drops it, where call_from_thread would leave it unawaited.
                self.post_message(self.Trained())

    class Trained(Message):
        """More iterations are computed: the loss sparkline can grow."""

    def on_main_screen_trained(self, _: "MainScreen.Trained") -> None:
        self._update_sparkline()

    def _update_sparkline(self) -> None:
        strip = self.query_one(LossStrip)
        was_log = strip.line.log
        strip.show(self.session.run, self.session.step.iteration, self.session.compare_run)
        if strip.line.log != was_log:
            self.query_one("#loss-label", Static).update("log loss" if strip.line.log else "loss")

    def fit(self, size: Size) -> None:
        """Show the too-small notice alone (no fragment of anything else) on a terminal
        smaller than MIN_WIDTH × MIN_HEIGHT, the debugger otherwise."""
        if not self.query("#main"):  # not composed yet: on_mount fits it
            return
        width, height = size
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        for widget in (
            self.query_one("#main"),
            self.query_one("#status"),
            self.query_one(KeyFooter),
        ):
            widget.display = not small
        notice = self.query_one("#too-small", Static)
        notice.display = small
        if small:
            notice.update(
                f"stepcnn needs a terminal of at least {MIN_WIDTH}×{MIN_HEIGHT}; "
                f"this one is {width}×{height}."
            )

    def _theme_changed(self, theme: Theme) -> None:
        """Every colour comes from the theme: draw everything again in the new one."""
        self.query_one(SourcePane).forget()
        self.query_one(LossStrip).restyle()
        self.redraw()

    # ---- drawing -----------------------------------------------------------------------

    def redraw(self) -> None:
        palette = palette_of(self.app)
        scene = build_scene(self.session)
        self.view_shown = scene.view
        texts: list[tuple[list[Span], int, int]] = []  # (spans, lines kept, at most)
        narration, stop = self.course_texts(scene.narration)  # a course's stop: first, whole
        if "equation" not in self.hidden:
            kept = 1 if stop and "narration" not in self.hidden else EQUATION_LINES
            texts.append(([(scene.equation, palette.equation)], kept, 3))
        if "narration" not in self.hidden:
            kept = 6 if stop else (1 if texts else EQUATION_LINES)
            texts.insert(0 if stop else len(texts), ([(narration, palette.narration)], kept, 6))
        self.query_one(OperationView).show(list(scene.panels), texts, scene.page)
        self.query_one("#network", TextBlock).set_fitting(
            [palette.spans(v) for v in network_variants(scene)]
        )
        playing = self.session.speed if self.clock.running else None
        self.query_one("#status", TextBlock).set_fitting(
            [palette.spans(v) for v in status_variants(scene, playing)]
        )
        if "source" not in self.hidden:
            self.query_one(SourcePane).show(
                self.session.step.op, self.session.scenario.optimizer.name
            )
        self._update_sparkline()

    def _apply_hidden(self) -> None:
        for name, selector in PANES:
            self.query_one(selector).display = name not in self.hidden

    def _play_steps(self, steps: int) -> bool:
        """The clock's payment: advance ``steps``; False at a breakpoint or the end."""
        keep_going = self.session.advance(steps)
        if not keep_going:
            self.clock.stop()
        self.redraw()
        self.course_arrived()
        return keep_going

    def _act(self, moved: bool) -> None:
        """After an action: redraw if the step moved or there is a message (it shows once)."""
        if moved or self.session.message:
            self.redraw()
        self.session.message = ""
        self.course_arrived()  # (nothing when the step stayed where it was)

    # ---- actions (keys in bindings.py) ---------------------------------------------------
    # One method per action, each a Session call and `_act`; new actions go here.

    def action_step(self, delta: int) -> None:
        self._act(self.session.step_by(delta))

    def action_page(self) -> None:
        """The next page of the operation view (when not everything fits on one)."""
        self.session.page = self.query_one(OperationView).next_page
        self._act(True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "page":  # in the footer only while there are pages
            views = self.query(OperationView)
            return bool(views) and views.first().paged
        return self.course_check(action) is not False  # None: not a course action

    def action_skip_zero(self, direction: int) -> None:
        self._act(self.session.skip_zero(direction))

    def action_move(self, level: str, direction: int) -> None:
        self._act(self.session.boundary(level, direction))

    def action_edge(self, end: int) -> None:
        self._act(self.session.goto(self.session.total - 1 if end else 0))

    def action_goto(self) -> None:
        from stepcnn.tui.screens import GotoScreen

        def done(k: int | None) -> None:
            if k is not None:
                self._act(self.session.goto(k))

        open_kept(self.app, GotoScreen, self.session.total, callback=done)

    def action_play(self) -> None:
        self.clock.toggle()
        self.redraw()

    def action_speed(self, delta: int) -> None:
        self.session.change_speed(delta)
        self._act(False)

    def action_precision(self, delta: int) -> None:
        self.session.change_precision(delta)
        self._act(True)

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
        from stepcnn.present.views import built_screen
        from stepcnn.tui.view_screen import ViewScreen

        content = built_screen(self.session, name)
        if isinstance(content, str):
            self.session.message = content
            self._act(False)
            return
        open_kept(self.app, ViewScreen, content)

    def action_cycle_view(self, key: str) -> None:
        """The next inline view bound to ``key`` (see stepcnn.present.views)."""
        from stepcnn.present.views import cycle_inline

        reason = cycle_inline(self.session, key)
        if reason:  # nothing to show here: say so plainly, keep the view
            self.session.message = f"{key}: {reason}"
            return self._act(False)
        self._act(True)

    def action_toggle_pane(self, panel: str) -> None:
        self.hidden ^= {panel}
        self._apply_hidden()
        if panel != "source":
            self.redraw()  # the narration: the texts below the panels change
        elif panel not in self.hidden:  # the rest as it is (the operation view, resized by
            # the layout, draws its panels again at its new size)
            self.query_one(SourcePane).reveal(
                self.session.step.op, self.session.scenario.optimizer.name
            )

    def action_practice(self) -> None:
        from stepcnn.tui.predict import open_practice

        open_practice(self.app, self.session)

    def action_help(self) -> None:
        from stepcnn.tui.screens import HelpScreen

        open_kept(self.app, HelpScreen, describe_bindings())

    def action_about(self) -> None:
        from stepcnn.tui.screens import AboutScreen, about_of

        open_kept(self.app, AboutScreen, *about_of(self.session))

    def action_pick(self) -> None:
        from stepcnn.tui.screens import PickerScreen, picker_groups

        def done(name: str | None) -> None:
            if name is not None:
                self.open_scenario(name)

        open_kept(self.app, PickerScreen, picker_groups(), callback=done)

    def action_reload(self) -> None:
        self.reload()

    def action_quit(self) -> None:
        self.app.exit()

    # ---- mouse -------------------------------------------------------------------------

    def on_operation_view_cell_clicked(self, event: OperationView.CellClicked) -> None:
        select_only = bool(self.view_shown)  # a matrix view shows what the cell is to it
        self._act(self.session.jump_to_cell(event.tensor, event.cell, select_only) or True)

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
            self.app.push_screen(MessageScreen(f"Could not open {ref}", exc.lines()))
            return
        self.ref = ref

    def _replace(self, scenario: Scenario, keep_position: bool) -> None:
        """Show ``scenario`` (raises ScenarioError, changing nothing, if it cannot be)."""
        self.session.open(scenario, keep_position=keep_position)
        self.hidden = set(scenario.display.hidden) if not keep_position else self.hidden
        self.app.title = f"stepcnn — {scenario.title}"
        self._apply_hidden()
        self.query_one(SourcePane).forget()
        self.redraw()
        self._train()

    def reload(self) -> None:
        """Reload the scenario file; on errors keep everything as it is and show them."""
        path: Path | None = self.session.scenario.path
        if path is None:
            return
        try:
            self._replace(reload_scenario(str(path)), keep_position=True)
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
