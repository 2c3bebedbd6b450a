"""Figures for slides and notebooks: the debugger's screen at one step, as SVG or PNG.

The app runs headless (no terminal), goes to the step, waits until training has filled the
loss history, and its screen is exported as SVG with Rich's recorder — without the window
frame Textual's own screenshots carry. PNG is rendered from that SVG by cairosvg.
"""

import asyncio
import concurrent.futures
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stepcnn.scenario.model import Scenario
    from stepcnn.session.session import Session
    from stepcnn.tui.app import StepCNNApp

DEFAULT_SIZE = (160, 50)
MAX_SIZE = (1000, 500)
FORMATS = (".svg", ".png")
PNG_SCALE = 1.0


def view_names() -> tuple[str, ...]:
    """``--view`` names: the normal operation view and every inline view (``fc``, ``im2col``)
    of :mod:`stepcnn.present.views`."""
    from stepcnn.present.views import views
    from stepcnn.session.session import NORMAL_VIEW

    return (NORMAL_VIEW, *(v.name for v in views().values() if v.inline))


class FigureError(Exception):
    """A figure cannot be made as asked (step out of range, unknown format, view or theme)."""


@dataclass(frozen=True)
class Figure:
    """One screen as SVG; shows itself in Jupyter and saves as ``.svg`` or ``.png``."""

    svg: str
    size: tuple[int, int]

    def _repr_svg_(self) -> str:
        return self.svg

    def png(self) -> bytes:
        """The picture as PNG bytes."""
        return svg_to_png(self.svg)

    def save(self, path: str | Path, *, overwrite: bool = True) -> Path:
        """Write the picture; the file name's extension (``.svg`` or ``.png``) picks the format.

        Saving again over the same name is what a notebook does, so an existing file is
        replaced by default (whole: a temporary file is renamed over it); ``overwrite=False``
        refuses it, as ``stepcnn figure`` does without ``--force``. A symbolic link or a
        directory at ``path`` is always refused (:class:`FigureError`).
        """
        from stepcnn.io.files import WriteRefused, write_file

        path = Path(path)
        check_format(path)
        data: str | bytes = self.png() if path.suffix.lower() == ".png" else self.svg
        try:
            write_file(path, data, force=overwrite)
        except WriteRefused as exc:
            raise FigureError(str(exc)) from None
        return path


def check_format(path: Path) -> None:
    if path.suffix.lower() not in FORMATS:
        raise FigureError(
            f"{path}: unknown picture format {path.suffix or '(none)'!r}; use .svg or .png"
        )


def parse_size(text: str) -> tuple[int, int]:
    """``WxH`` (columns × lines of the terminal), e.g. ``120x40``."""
    parts = text.lower().replace("×", "x").split("x")
    try:
        width, height = (int(p) for p in parts)
    except ValueError:
        raise ValueError(f"must be WxH such as 120x40, got {text!r}") from None
    check_size((width, height))
    return width, height


def check_size(size: tuple[int, int]) -> None:
    width, height = size
    if not (1 <= width <= MAX_SIZE[0] and 1 <= height <= MAX_SIZE[1]):
        raise ValueError(
            f"must be between 1x1 and {MAX_SIZE[0]}x{MAX_SIZE[1]} columns x lines, "
            f"got {width}x{height}"
        )


def theme_names() -> list[str]:
    from textual.theme import BUILTIN_THEMES

    return sorted(BUILTIN_THEMES)


def render(
    scenario: "Scenario",
    k: int,
    *,
    size: tuple[int, int] = DEFAULT_SIZE,
    theme: str | None = None,
    view: str = "normal",
    iterations: int | None = None,
) -> Figure:
    """The debugger's screen at step ``k`` — 0-based, as ``Timeline`` and the Python API index
    steps (the screen, ``--step`` and ``stepcnn trace`` show ``k + 1``).

    The Python API's entry: its arguments are checked here (the command line checks its
    options as it parses them and calls :func:`screen_at`).
    """
    from stepcnn.session.session import Session

    if view not in view_names():
        raise FigureError(f"--view: unknown view {view!r}; known: {', '.join(view_names())}")
    if theme is not None and theme not in theme_names():
        raise FigureError(f"--theme: unknown theme {theme!r}; known: {', '.join(theme_names())}")
    try:
        check_size(size)
    except ValueError as exc:
        raise FigureError(f"--size: {exc}") from None
    session = Session(scenario, iterations)
    if not 0 <= k < session.total:
        raise FigureError(
            f"step index {k} is out of range: {scenario.source} has steps 0–{session.total - 1}"
        )
    return screen_at(session, k, size=size, theme=theme, view=view)


def screen_at(
    session: "Session", k: int, *, size: tuple[int, int], theme: str | None, view: str
) -> Figure:
    """The screen of ``session`` at step ``k`` (in range), for a known view, size and theme.

    Raises :class:`FigureError` when step ``k`` has no such view (``fc`` on a relu step).
    """
    from stepcnn.session.session import NORMAL_VIEW

    session.goto(k)
    session.view = view  # a session field: the scene draws the view on conv2d steps
    if view != NORMAL_VIEW:
        from stepcnn.present.views import views

        content = views()[view].build(session)
        if isinstance(content, str):  # the view has nothing here: say so, not the normal view
            op = session.timeline[k].op
            raise FigureError(f"--view: step {k + 1} ({op}) has no {view} view: {content}")
    svg = _in_own_loop(lambda: _shoot(session, size, theme))
    return Figure(svg, size)


def _in_own_loop(make: Callable[[], Coroutine[Any, Any, str]]) -> str:
    """Run the headless app on an event loop of its own, in a thread: a notebook's kernel
    already runs a loop in the main thread."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


async def _shoot(session: "Session", size: tuple[int, int], theme: str | None) -> str:
    from stepcnn.tui.app import StepCNNApp

    app = StepCNNApp(session, theme=theme)  # every colour of the screen follows the theme
    async with app.run_test(size=size) as pilot:
        await app.workers.wait_for_complete()  # the loss history is complete
        app.redraw()
        await pilot.pause()
        return export_svg(app)


CHAR_WIDTH, LINE_HEIGHT = 20 * 0.61, 20 * 1.22
"""Rich's SVG cell metrics (20 px font, aspect 0.61, line height 1.22)."""

_TERMINAL = re.compile(r'<g transform="translate\(([-\d.]+), ([-\d.]+)\)" clip-path=')
_VIEWBOX = re.compile(r'viewBox="[^"]*"')


def export_svg(app: "StepCNNApp") -> str:
    """The screen as SVG in the app's theme: what ``App.export_screenshot`` does, except that
    cells left in the terminal's default colours get the theme's background and foreground
    (Textual's export paints them in Rich's dark export theme even under a light theme) and
    the picture is cropped to the cells (no window frame, title or buttons)."""
    import io

    from rich.color import Color
    from rich.console import Console
    from rich.terminal_theme import SVG_EXPORT_THEME, TerminalTheme

    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    # The same call Textual's own export_screenshot makes (Textual has no public equivalent).
    console.print(app.screen._compositor.render_update(full=True))
    variables = app.get_css_variables()  # the theme's colours, derived ones included
    background = Color.parse(variables["background"]).get_truecolor()
    foreground = Color.parse(variables["foreground"]).get_truecolor()
    palette = [SVG_EXPORT_THEME.ansi_colors[i] for i in range(16)]
    terminal = TerminalTheme(
        background,
        foreground,
        [(c.red, c.green, c.blue) for c in palette[:8]],
        [(c.red, c.green, c.blue) for c in palette[8:]],
    )
    return frameless(console.export_svg(title=app.title, theme=terminal), (width, height))


def frameless(svg: str, size: tuple[int, int]) -> str:
    """Crop Rich's SVG to the terminal's cells: the window frame, its title and buttons fall
    outside the picture."""
    found = _TERMINAL.search(svg)
    if found is None or _VIEWBOX.search(svg) is None:
        raise RuntimeError("unexpected SVG layout from Rich's export_svg")
    x, y = found.groups()
    width, height = size[0] * CHAR_WIDTH, size[1] * LINE_HEIGHT
    box = f'viewBox="{x} {y} {width:.1f} {height:.1f}" width="{width:.1f}" height="{height:.1f}"'
    return _VIEWBOX.sub(box, svg, count=1).replace(RICH_FONT, SVG_FONT)


RICH_FONT = "font-family: Fira Code, monospace;"
SVG_FONT = 'font-family: "Fira Code", "DejaVu Sans Mono", "Liberation Mono", monospace;'
PNG_MONOSPACE = "DejaVu Sans Mono"
"""Fira Code is what Rich measures cells with; where it is missing a monospaced font with the
box-drawing characters, Greek letters and ⊙ takes its place (DejaVu Sans Mono has them)."""


def svg_to_png(svg: str) -> bytes:
    """Render with resvg (self-contained: no system library beyond the fonts)."""
    import resvg_py

    return bytes(
        resvg_py.svg_to_bytes(svg_string=svg, monospace_family=PNG_MONOSPACE, zoom=PNG_SCALE)
    )
