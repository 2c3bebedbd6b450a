"""The app's parts, each with one job: the playback clock, the file watcher, the main screen,
and clicks located from where the view drew each cell."""

import os
from pathlib import Path
from typing import Any

from test_tui import make_app, press, status_text

from stepcnn.session.session import Session
from stepcnn.timeline import Condition, find
from stepcnn.timeline.load import load_scenario
from stepcnn.tui.app import StepCNNApp
from stepcnn.tui.clock import PlaybackClock
from stepcnn.tui.main_screen import MainScreen
from stepcnn.tui.operation import OperationView
from stepcnn.tui.watcher import FileWatcher

# ---- the playback clock -------------------------------------------------------------------


class FakeTime:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_the_clock_owes_steps_at_its_rate_and_pays_whole_ones() -> None:
    now, taken = FakeTime(), []
    clock = PlaybackClock(lambda: 10.0, lambda n: taken.append(n) or True, now=now)
    clock.tick()
    assert taken == [] and not clock.running  # stopped: owes nothing
    clock.start()
    assert clock.running
    clock.tick()
    assert taken == [1]  # the first step at once
    now.t += 0.25  # 2.5 steps at 10/s
    clock.tick()
    now.t += 0.05  # 0.5 more: with the half left over, one whole step
    clock.tick()
    now.t += 0.01
    clock.tick()  # 0.1: nothing yet
    assert taken == [1, 2, 1]
    clock.stop()
    now.t += 10
    clock.tick()
    assert taken == [1, 2, 1] and not clock.running


def test_the_clock_stops_when_the_steps_run_out() -> None:
    now = FakeTime()
    left = [3]

    def take(n: int) -> bool:
        left[0] -= n
        return left[0] > 0

    clock = PlaybackClock(lambda: 100.0, take, now=now)
    clock.toggle()
    assert clock.running
    clock.tick()
    now.t += 0.05  # 5 steps owed, 2 left
    clock.tick()
    assert not clock.running and left[0] <= 0
    clock.toggle()
    assert clock.running


async def test_space_runs_the_clock_and_the_status_bar_says_so() -> None:
    app = make_app("hand-computable")
    async with app.run_test(size=(160, 50)) as pilot:
        clock = app.main.clock
        assert not clock.running and "▶" not in status_text(app)
        await press(pilot, "space")
        assert clock.running and "▶" in status_text(app)
        await press(pilot, "space")
        assert not clock.running and "▶" not in status_text(app)


# ---- the file watcher ---------------------------------------------------------------------


def test_the_watcher_calls_back_once_per_new_modification_time(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("a", encoding="utf-8")
    calls = []
    watcher = FileWatcher(lambda: path, lambda: calls.append(1))
    watcher.seen = watcher.mtime()
    assert not watcher.check() and calls == []
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))
    assert watcher.check() and calls == [1]
    assert not watcher.check() and calls == [1]  # the same time again: nothing
    path.unlink()
    assert not watcher.check() and calls == [1]  # a file gone (mid-save): wait for it


def test_the_watcher_of_no_file_never_calls_back() -> None:
    calls = []
    watcher = FileWatcher(lambda: None, lambda: calls.append(1))
    assert watcher.mtime() is None and not watcher.check() and calls == []


# ---- the main screen ----------------------------------------------------------------------


async def test_the_main_screen_is_the_apps_first_screen_and_holds_the_keys() -> None:
    app = make_app("tour")
    async with app.run_test(size=(160, 50)) as pilot:
        assert isinstance(app.screen, MainScreen) and app.screen is app.main
        k = app.session.k
        await press(pilot, "right")
        assert app.session.k == k + 1
        await press(pilot, "q")
    assert app.return_code in (0, None)


async def test_a_command_palette_command_runs_the_main_screens_action() -> None:
    app = make_app("tour")
    async with app.run_test(size=(160, 50)) as pilot:
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert "Theme" in commands  # Textual's own theme switch is offered
        k = app.session.k
        commands["Next step"].callback()
        await pilot.pause()
        assert app.session.k == k + 1


async def test_the_palettes_screenshot_is_saved_where_there_is_no_downloads_folder(
    tmp_path: Path, monkeypatch: Any
) -> None:
    import platformdirs

    monkeypatch.setattr(platformdirs, "user_downloads_path", lambda: tmp_path / "no-such-dir")
    monkeypatch.chdir(tmp_path)
    from textual import events

    app = make_app("tour")
    delivered: list[object] = []

    def hook(message: object) -> None:
        if isinstance(message, events.DeliveryComplete | events.DeliveryFailed):
            delivered.append(message)

    async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        commands["Screenshot"].callback()  # Textual's own command, as the palette runs it
        for _ in range(100):  # until Textual's saving thread has reported back
            await pilot.pause(0.05)
            if delivered:
                break
        assert [type(m).__name__ for m in delivered] == ["DeliveryComplete"]
    saved = list(tmp_path.glob("*.svg"))
    assert len(saved) == 1 and "stepcnn" in saved[0].read_text(encoding="utf-8")


def test_the_screenshot_goes_to_the_downloads_folder_when_there_is_one(
    tmp_path: Path, monkeypatch: Any
) -> None:
    import platformdirs

    from stepcnn.tui.app import screenshot_folder

    monkeypatch.setattr(platformdirs, "user_downloads_path", lambda: tmp_path)
    assert screenshot_folder() == str(tmp_path)


# ---- clicks located from where each cell is drawn --------------------------------------


def cell_segments(app: StepCNNApp) -> list[tuple[int, int, str, dict[str, Any]]]:
    """(x, y, text, place) of every drawn cell of the operation view: each segment whose
    first column the view places in a cell (``place``: panel, grid, row, col)."""
    view = app.query_one(OperationView)
    found = []
    for y in range(view.size.height):
        x = 0
        for seg in view.render_line(y):
            place = view.cell_at(x, y)
            if place is not None:
                found.append((x, y, seg.text, place._asdict()))
            x += len(seg.text)
    return found


def digits_at_a_conv_step() -> StepCNNApp:
    """digits at a conv2d forward step whose maps are viewports at 80×24."""
    session = Session(load_scenario("digits"))
    k = find(session.timeline, Condition(op="conv2d.forward", index=(0, 1, 2, 3)), -1)
    assert k is not None
    session.goto(k)
    return StepCNNApp(session)


async def test_every_drawn_cell_carries_the_place_of_the_number_it_shows() -> None:
    app = digits_at_a_conv_step()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.query_one(OperationView)
        assert any(w.windowed for p in view.placed for w in p.windows)  # viewports in play
        cells = cell_segments(app)
        assert len(cells) > 20
        for _, _, text, meta in cells:
            grid = view.placed[meta["panel"]].panel.grids[meta["grid"]]
            r, c = meta["row"], meta["col"]
            drawn = grid.text_block(slice(r, r + 1), slice(c, c + 1))[0, 0]
            assert text.strip() == drawn.strip()


async def test_a_click_in_a_viewport_jumps_to_the_cell_under_the_mouse() -> None:
    app = digits_at_a_conv_step()
    session = app.session
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.query_one(OperationView)
        outputs = [
            (x, y, text, meta)
            for x, y, text, meta in cell_segments(app)
            if view.placed[meta["panel"]].panel.key == "output" and text.strip() not in ("", "·")
        ]
        assert outputs, "no computed output cell drawn"
        x, y, text, meta = outputs[-1]
        grid = view.placed[meta["panel"]].panel.grids[meta["grid"]]
        cell = grid.cell_index(meta["row"], meta["col"])
        assert grid.tensor is not None and cell is not None
        await pilot.click(OperationView, offset=(x + len(text) - 1, y))
        await pilot.pause()
        step = session.timeline[session.k]
        assert (step.op, step.index) == ("conv2d.forward", cell)
        assert session.selected == (grid.tensor, cell)


async def test_a_click_on_a_border_or_a_label_does_nothing() -> None:
    app = make_app("tour")
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        k = app.session.k
        p = app.query_one(OperationView).placed[0]
        for offset in ((p.x, p.y), (p.x + 3, p.y), (p.x + 2, p.y + 1), (p.x, p.y + 2)):
            await pilot.click(OperationView, offset=offset)
            await pilot.pause()
            assert app.session.k == k and app.session.selected is None, offset


async def test_the_sparkline_fills_in_as_the_background_training_goes_without_a_key() -> None:
    from stepcnn.tui.loss_strip import LossStrip

    app = make_app("edge-detector")  # 200 iterations, trained in the screen's worker thread
    async with app.run_test(size=(100, 30)) as pilot:
        while app.session.run.computed < len(app.session.run):
            await pilot.pause(0.05)
        await pilot.pause(0.1)  # the last progress message is handled
        strip = app.query_one(LossStrip)
        assert strip._computed == len(app.session.run)  # every loss read, no key pressed
        assert strip.line.log  # 30 → 0.009: only the whole run spans the decades


# ---- the footer ---------------------------------------------------------------------------


async def test_the_footer_shows_whole_keys_only_and_always_help() -> None:
    """At 80 columns the footer read "… . More dig▏^p palette": a description cut, and no
    "? Help" (where every key is listed). Keys that do not fit are left out whole instead."""
    from test_layout import screen_footer

    from stepcnn.tui.bindings import BINDINGS, shown_keys

    items = [f"{shown_keys(b)} {b.description}" for b in BINDINGS if b.show]
    for size in ((80, 24), (100, 30), (160, 50)):
        app = make_app("rgb-stride-padding")  # pages its channels at 80×24: "t" is shown too
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await pilot.pause()
            line = screen_footer(app)
            keys = line.split("▏")[0].rstrip()
            assert "? Help" in keys, (size, line)
            shown = [item for item in items if item in keys]
            rest = keys
            for item in shown:
                rest = rest.replace(item, "")
            assert not rest.strip(), (size, rest)  # nothing but whole items
            if size == (160, 50):
                # all of them but "t" (only when paging) and "⏎" (only in the course)
                assert len(shown) == len(items) - 2


async def test_the_footers_keys_are_laid_out_by_the_footer_and_a_click_presses_one() -> None:
    """The footer draws its keys itself (no widths mirrored from Textual's CSS): at every
    width from 60 to 160 columns its line is the keys it keeps, whole, in the table's order,
    "? Help" among them, the palette's key at the right edge; a click on "→/l Next step"
    steps, one on "? Help" opens the help."""
    from test_layout import screen_footer

    from stepcnn.tui.footer import KeyFooter, fitting
    from stepcnn.tui.screens import HelpScreen

    app = make_app("tour")
    async with app.run_test(size=(60, 24)) as pilot:
        await pilot.pause()
        footer = app.screen.query_one(KeyFooter)
        for width in range(60, 161, 7):
            await pilot.resize_terminal(width, 24)
            await pilot.pause()
            line = screen_footer(app)
            assert len(line) == width and line.endswith("▏^p palette "), (width, line)
            keys, _ = footer.keys()
            kept = fitting(keys, width - len("▏^p palette "))
            drawn = "".join(f" {k.shown} {k.description} " for k in kept)
            assert line.startswith(drawn) and not line[len(drawn) : -12].strip(), (width, line)
            assert any(k.action == "help" for k in kept)
            order = [keys.index(k) for k in kept]
            assert order == sorted(order)
        await pilot.resize_terminal(100, 24)
        await pilot.pause()
        k = app.session.k
        line = screen_footer(app)
        await pilot.click(KeyFooter, offset=(line.index("Next step"), 0))
        await pilot.pause()
        assert app.session.k == k + 1
        await pilot.click(KeyFooter, offset=(line.index("Help"), 0))
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
