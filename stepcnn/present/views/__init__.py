"""Views: each one a function from the session to panels, plus the key that shows it.

One module per view in this package, each defining ``VIEW`` (a :class:`View`). Two kinds:

- **inline** views replace the operation's panels in place while they are on (the status bar
  names them) and persist while stepping; the views sharing a key are cycled by it, in
  ``order``, then back to the normal view (``m``: normal → fc → im2col → normal);
- **screen** views open over the debugger (the weight view ``v``, the gradient check ``d``).

A view that has nothing to show at this step returns a one-line reason instead of content.
Adding a view is one module here and one line in :mod:`stepcnn.tui.bindings`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache

from stepcnn.engine.registry import kind_modules
from stepcnn.present.grid import Panel
from stepcnn.session.session import NORMAL_VIEW, Session

PACKAGE = "stepcnn.present.views"


@dataclass(frozen=True)
class ViewContent:
    """What a view shows: a title, panels, the equation line, notes, and optionally a table
    (column names, rows of texts) for the long lists a screen view scrolls through."""

    title: str
    panels: tuple[Panel, ...]
    equation: str = ""
    notes: tuple[str, ...] = ()
    table: tuple[tuple[str, ...], tuple[tuple[str, ...], ...]] | None = None
    data: object = field(default=None, compare=False)  # the model behind it, for tests

    def sized(self) -> "ViewContent":
        """The same content with every panel's cell width set (ready to draw)."""
        return replace(self, panels=tuple(p.with_cell_width() for p in self.panels))


Build = Callable[[Session], ViewContent | str]


@dataclass(frozen=True)
class View:
    name: str  # what the session stores (``session.view``) and ``stepcnn figure --view`` names
    key: str  # the key that shows it (as in the binding table)
    label: str  # for the status bar and the help screen
    build: Build
    inline: bool = True
    order: int = 0  # place in its key's cycle (inline views)


@cache
def views() -> dict[str, View]:
    """Every view, by name, in cycle order."""
    found = [module.VIEW for module in kind_modules(PACKAGE).values()]
    return {v.name: v for v in sorted(found, key=lambda v: (v.key, v.order, v.name))}


def view(name: str) -> View:
    return views()[name]


def next_inline(key: str, current: str) -> str:
    """The view after ``current`` in ``key``'s cycle (the normal view after the last)."""
    cycle = [NORMAL_VIEW, *(v.name for v in views().values() if v.inline and v.key == key)]
    position = cycle.index(current) if current in cycle else 0
    return cycle[(position + 1) % len(cycle)]


def inline_names() -> list[str]:
    """The names ``session.view`` may take: the normal view's and every inline view's (what
    a course's stop may show)."""
    return [NORMAL_VIEW, *(v.name for v in views().values() if v.inline)]


_BUILT: list[tuple[tuple[object, ...], ViewContent | str]] = []
"""The inline view built last, with what it was built of: the key that chose it and the
frame drawn right after (or a redraw at the same step) build it once."""
_OPENED: list[tuple[tuple[object, ...], ViewContent | str]] = []
"""The screen view built last, the same way: opened again at the same step, it is the same
content (and its dialog draws nothing anew)."""


def built_inline(session: Session, name: str) -> ViewContent | str:
    """Inline view ``name`` at the current step, ready to draw (its panels sized), or the
    reason it has nothing to show here; built once for a step, precision and selection."""
    return _built(session, name, _BUILT)


def built_screen(session: Session, name: str) -> ViewContent | str:
    """Screen view ``name`` at the current step, as :func:`built_inline` builds an inline
    one (once for a step, precision and selection)."""
    return _built(session, name, _OPENED)


def _built(
    session: Session, name: str, last: list[tuple[tuple[object, ...], ViewContent | str]]
) -> ViewContent | str:
    key = (session, session.timeline, session.k, name, session.precision, session.selected)
    if last and last[0][0] == key:
        return last[0][1]
    content = views()[name].build(session)
    made = content if isinstance(content, str) else content.sized()
    last[:] = [(key, made)]
    return made


def cycle_inline(session: Session, key: str) -> str:
    """Show the next inline view of ``key``'s cycle (``session.view``); "" when it is shown,
    else the reason it has nothing to show at this step (the view is kept as it was)."""
    chosen = next_inline(key, session.view)
    if chosen in views():
        reason = built_inline(session, chosen)
        if isinstance(reason, str):
            return reason
    session.view = chosen
    return ""


def inline_content(session: Session) -> ViewContent | None:
    """The inline view's content at the current step, or None (normal view, or the view has
    nothing here: then the operation's own panels are shown)."""
    if session.view == NORMAL_VIEW or session.view not in views():
        return None
    if not views()[session.view].inline:
        return None
    content = built_inline(session, session.view)
    return None if isinstance(content, str) else content
