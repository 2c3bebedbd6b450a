"""Where the operation view puts its panels: small operands whole, large maps give way first,
and what does not fit on one screen goes on further pages (``t`` turns them).

A shelf packer. Panels are packed left to right into shelves (bands of panels one above the
other). A panel none of whose grids follows a cell — a filter, a patch's products, ``g·patch``,
a running ``dW``, ``db``, the loss's vectors — is *small*: it is always drawn whole. A panel
that follows a cell (an input map around its patch, an output map, a weight matrix around its
row) is *large*: it gets what room is left, as a viewport of whole cells that keeps the cells
being read in sight, with a compact overview of the whole map when there is room for one.

When the panels do not all fit, in this order: large maps shrink to viewports (no smaller than
the patch being read); fewer input channels are shown at a time; then the panels that give
way first (the large maps that produce the step's result, then small panels) go on a page of
their own. Cells the step reads or writes that are too many for their viewport (a 400-long
input vector, a column of ``X_col``) are shown a part at a time. Every channel, panel and part
is on some page: a notice line says which page this is and what the next one shows, and ``t``
turns the pages. Nothing is left out, except a panel too big for the view even alone (then
the notice says so).

The pages are a function of the panels' shapes and the size alone, and are cached; only the
viewports' offsets (which follow the step's cells) are computed per step.
"""

import math
from functools import lru_cache

import numpy as np

from stepcnn.base.wording import count
from stepcnn.present.grid import Panel
from stepcnn.tui.placement import OPERAND_CELLS, Arrangement, Frame, PanelSpec
from stepcnn.tui.shelves import attempt, frames_of, parts_of
from stepcnn.tui.viewport import Window


def notices(arrangement: Arrangement, titles: list[str], hint: str = "") -> list[str]:
    """Which page this is, what it shows of the channels, and what ``t`` shows next (with
    ``hint``, how to get more room), longest wording first ([] when there is one page)."""
    a = arrangement
    if a.pages == 1 and not a.hidden:
        return []
    first, last = a.channel_start, a.channel_start + a.channel_count - 1
    shown = f"channel {first}" if first == last else f"channels {first}–{last}"
    paged = bool(a.channels) and a.channel_count < a.channels
    page = [f"page {a.page + 1} of {a.pages}"] if a.pages > 1 else []
    if paged:
        page.append(f"{shown} of {a.channels}")

    def listed(short: bool) -> str:
        return " · ".join(
            f"{pages_text(first, last)}: "
            + ", ".join(titles[i].split(" (")[0] if short else titles[i] for i in panels)
            for first, last, panels in a.others
        )

    big = ", ".join(titles[i].split(" (")[0] for i in a.hidden)
    too_big = [f"too big for this terminal: {big}"] if a.hidden else []
    hints = [f" ({hint})"] if hint else [""]
    if a.pages == 1:
        return [f"{too_big[0]}{hints[0]}", too_big[0]]
    head = " · ".join(page + too_big)
    counted = f"{count(sum(len(panels) for *_, panels in a.others), 'more panel')} on other pages"
    where = [f" · {listed(False)}", f" · {listed(True)}", f" · {counted}"] if a.others else [""] * 3
    return [
        f"{head}{where[0]} (t: next page){hints[0]}",
        f"{head}{where[0]} (t: next page)",
        f"{head}{where[1]} (t: next page)",
        f"{head}{where[1]} (t)",
        f"{head}{where[2]} (t)",
        f"{head} (t: next page)",
        f"{' · '.join(page)} (t)",
    ]


def pages_text(first: int, last: int) -> str:
    """``page 3`` or ``pages 7–12`` (counted from 1)."""
    return f"page {first + 1}" if first == last else f"pages {first + 1}–{last + 1}"


def arrange(specs: tuple[PanelSpec, ...], width: int, room: int, page: int) -> Arrangement:
    """Page ``page`` (of however many there are: counted round) of the panels placed in
    ``width × room`` cells."""
    pages = plan(specs, width, room)
    return pages[page % len(pages)]


@lru_cache(maxsize=256)
def plan(specs: tuple[PanelSpec, ...], width: int, room: int) -> tuple[Arrangement, ...]:
    """Every page of the panels in ``width × room`` cells (one when everything fits)."""
    everything = tuple(range(len(specs)))
    channels = _channels(specs, everything)
    full = attempt(specs, everything, 0, channels or 1, width, room)
    if full is not None:  # every channel of every panel fits
        frames, height = frames_of(full[1])
        if parts_of(specs, frames) == 1:
            return (Arrangement(frames, height, 0, channels, channels),)
    room -= 1  # the notice line
    groups: list[tuple[int, ...]] = []
    hidden: tuple[int, ...] = ()
    left = everything
    while left:
        keep = _group(specs, left, width, room)
        if not keep:  # not even one of them fits: those too big alone are said so
            alone = [i for i in left if _fits(specs, (i,), width, room)]
            hidden += tuple(i for i in left if i not in alone)
            left = tuple(alone)
            continue
        keep = _split(specs, keep, width, room)
        groups.append(keep)
        left = tuple(i for i in left if i not in keep)
    groups.sort()  # the pages in reading order: the panels of what the step reads first
    pages = [(g, *one) for g, keep in enumerate(groups) for one in _pages(specs, keep, width, room)]
    if not pages:
        return (Arrangement((), 1, 0, 1, channels, hidden),)
    spans = [
        (
            min(p for p, page in enumerate(pages) if page[0] == g),
            max(p for p, page in enumerate(pages) if page[0] == g),
            keep,
        )
        for g, keep in enumerate(groups)
    ]
    out = []
    for p, (g, frames, height, start, k, total, part, parts) in enumerate(pages):
        out.append(
            Arrangement(
                frames,
                height,
                start,
                k,
                total,
                hidden,
                page=p,
                pages=len(pages),
                others=tuple(span for h, span in enumerate(spans) if h != g),
                part=part,
                parts=parts,
            )
        )
    return tuple(out)


Page = tuple[tuple[Frame, ...], int, int, int, int, int, int]
"""(frames, height with the notice, first channel, channels on it, channels in all, part, parts)"""


@lru_cache(maxsize=512)
def _pages(
    specs: tuple[PanelSpec, ...], keep: tuple[int, ...], width: int, room: int
) -> tuple[Page, ...]:
    """The pages of the panels ``keep``: their channels and the parts of their cells."""
    channel_pages = _channel_pages(specs, keep, width, room)
    parts = [parts_of(specs, frames) for frames, *_ in channel_pages]
    out = []
    for c, n in _in_step(specs, [frames for frames, *_ in channel_pages], parts):
        frames, height, start, k, count = channel_pages[c]
        out.append((frames, height + 1, start, k, count, n, parts[c]))
    return tuple(out)


def _split(
    specs: tuple[PanelSpec, ...], keep: tuple[int, ...], width: int, room: int
) -> tuple[int, ...]:
    """``keep``, or fewer of them when the one that gives way first on a page of its own
    makes fewer pages in all (more room each: fewer parts of their cells)."""
    while len(keep) > 1:
        whole = _pages(specs, keep, width, room)
        if max(page[-1] for page in whole) == 1:
            return keep
        gone = next(i for i in _drop_order(specs) if i in keep)
        rest = tuple(i for i in keep if i != gone)
        apart = len(_pages(specs, rest, width, room)) + len(_pages(specs, (gone,), width, room))
        if apart >= len(whole):
            return keep
        keep = rest
    return keep


def _in_step(
    specs: tuple[PanelSpec, ...], channel_pages: list[tuple[Frame, ...]], parts: list[int]
) -> list[tuple[int, int]]:
    """(channel page, part) of each page of a group: the channel pages and the parts of the
    cells turned together (page ``j``: channel page ``j`` and part ``j``, each staying on its
    last), when that way every marked cell still shows on some page; else every part of
    every channel page."""
    if not channel_pages:
        return []
    last = len(channel_pages) - 1
    together = [
        (min(j, last), min(j, parts[min(j, last)] - 1))
        for j in range(max(len(channel_pages), *parts))
    ]
    if len(together) == len(channel_pages) or _covers(specs, channel_pages, together):
        return together
    return [(c, n) for c, count in enumerate(parts) for n in range(count)]


def _covers(
    specs: tuple[PanelSpec, ...],
    channel_pages: list[tuple[Frame, ...]],
    pages: list[tuple[int, int]],
) -> bool:
    """Do these pages show every cell each paged viewport's step marks (as
    :func:`windows` places the parts)?"""
    seen: dict[tuple[int, int], np.ndarray] = {}
    for c, n in pages:
        for f in channel_pages[c]:
            for slot in f.slots:
                g = specs[f.panel].grids[slot.grid]
                if not g.paged:
                    continue
                rows, cols = g.region
                cells = seen.setdefault((f.panel, slot.grid), np.zeros((rows, cols), dtype=bool))
                r0, c0 = part_start(g.region, (slot.rows, slot.cols), n)
                cells[r0 : r0 + slot.rows, c0 : c0 + slot.cols] = True
    return all(cells.all() for cells in seen.values())


def _channels(specs: tuple[PanelSpec, ...], keep: tuple[int, ...]) -> int:
    return max((sum(1 for g in specs[i].grids if g.channel is not None) for i in keep), default=0)


def _fits(specs: tuple[PanelSpec, ...], keep: tuple[int, ...], width: int, room: int) -> bool:
    return attempt(specs, keep, 0, 1, width, room, True) is not None


def _group(
    specs: tuple[PanelSpec, ...], left: tuple[int, ...], width: int, room: int
) -> tuple[int, ...]:
    """The panels of ``left`` that share a page: all that fit, those that give way first
    going to a later page."""
    keep = left
    drops = [i for i in _drop_order(specs) if i in left]
    while keep and not _fits(specs, keep, width, room):
        gone = drops.pop(0)
        keep = tuple(i for i in keep if i != gone)
    return keep


def _channel_pages(
    specs: tuple[PanelSpec, ...], keep: tuple[int, ...], width: int, room: int
) -> list[tuple[tuple[Frame, ...], int, int, int, int]]:
    """The pages of channels of the panels ``keep``: (frames, height, first channel, channels
    on the page, channels in all); as many channels on each as fit, whole panels first."""
    channels = _channels(specs, keep)
    out: list[tuple[tuple[Frame, ...], int, int, int, int]] = []
    start = 0
    while True:
        found = None
        for demote in (False, True):
            for k in range(max(channels - start, 1), 0, -1):
                found = attempt(specs, keep, start, k, width, room, demote)
                if found is not None:
                    break
            if found is not None:
                break
        if found is None:
            return out
        frames, height = frames_of(found[1])
        out.append((frames, height, start, k, channels))
        start += k
        if start >= channels:
            return out


def _drop_order(specs: tuple[PanelSpec, ...]) -> list[int]:
    """Which panels give way first: viewports before whole panels, optional ones first, what
    the step produces (row 1) before what it reads, the panels marking fewer cells first, then
    of optional panels the later (conv backward's filter, there for dx, before g·patch), of the
    others the earlier of a band (its last panel is what the band comes to: the new W)."""

    def large(s: PanelSpec) -> bool:  # a viewport, or too big to be whole (a long vector)
        return s.follows or any(g.rows * g.cols > OPERAND_CELLS for g in s.grids)

    def marked(s: PanelSpec) -> int:  # a viewport's cells in use (the patch: kept longest)
        return sum(g.region[0] * g.region[1] for g in s.grids) if large(s) else 0

    return sorted(
        range(len(specs)),
        key=lambda i: (
            not large(specs[i]),
            not specs[i].optional,
            specs[i].row == 0,
            marked(specs[i]),
            -i if specs[i].optional else i,
        ),
    )


# ---- per step: the viewports' offsets -----------------------------------------------------


def follow(visible: int, total: int, first: int, extent: int) -> int:
    """The first visible row (column) of a viewport that keeps cells ``first … first+extent−1``
    in sight, with a cell of margin when there is room: it stays at the start until they
    approach its far edge, then scrolls as little as it must (as when reading forward).

    A function of the cells alone, never of the previous window: a step looks the same
    however it was reached.
    """
    if visible >= total:
        return 0
    margin = 1 if visible >= extent + 2 else 0
    top = first + extent + margin - visible  # the least offset that shows the far edge
    return max(0, min(top, first - margin, total - visible))


def part_start(extent: tuple[int, int], visible: tuple[int, int], part: int) -> tuple[int, int]:
    """Where part ``part`` of marked cells ``extent`` (rows, columns) starts in a viewport
    showing ``visible`` of them: a viewport's worth at a time, row-major (0 along an axis
    they fit; the last part from there on)."""
    (rows, cols), (seen_rows, seen_cols) = extent, visible
    across = math.ceil(cols / seen_cols)
    down, right = divmod(min(part, across * math.ceil(rows / seen_rows) - 1), across)
    return (
        down * seen_rows if rows > seen_rows else 0,
        right * seen_cols if cols > seen_cols else 0,
    )


def offset(visible: int, total: int, first: int, extent: int, start: int) -> int:
    """The first visible row (column): following the marked cells when they fit the
    viewport, else those from ``start`` on (a part of them)."""
    if extent <= visible:
        return follow(visible, total, first, extent)
    return max(0, min(first + start, total - visible))


def windows(
    panel: Panel,
    frame: Frame,
    regions: list[tuple[int, int, int, int] | None],
    part: int = 0,
) -> list[Window]:
    """The frame's slots as viewports positioned for this step (and part ``part`` of the
    marked cells too many for a viewport)."""
    out = []
    for slot in frame.slots:
        grid = panel.grids[slot.grid]
        rows, cols = grid.shape
        region = regions[slot.grid]
        if region is None and grid.focus is not None:
            region = (grid.focus[0], 1, grid.focus[1], 1)
        if region is None:
            row0 = col0 = 0
        else:
            here = part if grid.tie_names is None else 0  # (names: context, not paged)
            down, right = part_start((region[1], region[3]), (slot.rows, slot.cols), here)
            row0 = offset(slot.rows, rows, region[0], region[1], down)
            col0 = offset(slot.cols, cols, region[2], region[3], right)
        out.append(
            Window(
                slot.grid,
                slot.x,
                row0,
                col0,
                slot.rows,
                slot.cols,
                rows,
                cols,
                slot.overview_x,
                slot.overview_step,
                y=slot.y,
            )
        )
    return out
