"""Everything the screen shows for the current step, computed from the session.

The app hands a :class:`Scene` to its widgets; they only draw it.
"""

import re
from dataclasses import dataclass

from stepcnn.engine.graph import Graph
from stepcnn.present import kind_table
from stepcnn.present.canvas import Canvas
from stepcnn.present.explain import default_text
from stepcnn.present.grid import Panel
from stepcnn.present.panels import build_panels
from stepcnn.present.views import inline_content, views
from stepcnn.scenario.layer_schema import shape_text
from stepcnn.scenario.placeholders import fill
from stepcnn.session.session import NORMAL_VIEW, Session
from stepcnn.timeline import Step
from stepcnn.timeline.numbering import shown
from stepcnn.timeline.numbers import idx


@dataclass(frozen=True)
class NetworkItem:
    """One box of the network strip."""

    label: str
    shape: str
    state: str  # "current", "done", "todo"
    short: str = ""  # a compact name for narrow terminals


@dataclass(frozen=True)
class Status:
    iteration: int
    iterations: int
    phase: str
    where: str
    k: int
    total: int
    loss: float | None  # None until this iteration's loss has been computed
    breakpoints: int
    warning: str
    message: str
    previous_loss: float | None = None  # the iteration before's (shown while loss is None)
    view: str = ""  # the inline view that is on ("" for the normal view), for the status bar
    view_short: str = ""  # the same for narrow terminals
    precision: str = ""  # the decimals matrices show ("3 dp"; the ./, keys change it)


@dataclass(frozen=True)
class Scene:
    panels: tuple[Panel, ...]
    equation: str
    narration: str
    status: Status
    network: tuple[NetworkItem, ...]
    direction: str  # "→" forward, "←" backward, "↻" update
    losses: tuple[float, ...]  # finite losses of the iterations computed so far
    view: str = ""  # the inline view whose panels are drawn ("": the operation's own)
    page: int = 0  # the page shown when not everything fits on one (t: the next page)


def narration_values(session: Session, step: Step) -> dict[str, object]:
    """The live values narration placeholders are filled with."""
    return {
        "step": shown(step.k),
        "steps": session.total,
        "iteration": shown(step.iteration),
        "phase": step.phase,
        "layer": step.layer,
        "layer_type": step.kind,
        "op": step.op,
        "index": idx(step.index),
        "value": step.value,
        "lr": session.scenario.learning_rate,
        "momentum": session.scenario.momentum,
        "weight_decay": session.scenario.weight_decay,
        "loss": session.run.record(step.iteration).loss,
        "samples": list(session.run.record(step.iteration).samples),
    }


def rule_key(step: Step) -> dict[str, object]:
    """What ``[[narration.at]]`` rules match a step on (iterations and steps as people count
    them: from 1)."""
    return {
        "iteration": shown(step.iteration),
        "phase": step.phase,
        "layer": step.layer,
        "op": step.op,
        "index": step.index,
        "offset": shown(step.offset),
    }


def narration_for(session: Session, step: Step) -> str:
    """The scenario's text for this step, else the built-in explanation of its op.

    The step the scenario opens at is preceded by its introduction (the screen depends on
    the step alone, so stepping away and back shows the same text).
    """
    intro = session.scenario.narration.intro.strip()
    text = session.scenario.narration.template_for(rule_key(step))
    own = fill(
        text
        or default_text(
            step.kind, step.phase, step.op, step.layer is None, session.scenario.optimizer
        ),
        narration_values(session, step),
    )
    if step.k == session.start and intro:
        own = f"{intro}  ▸ {own}"
    return reflow(own)


def reflow(text: str) -> str:
    """Line breaks inside a paragraph of a TOML string are wrapping, not meaning: join them
    (a blank line still separates paragraphs)."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


def wiring(graph: Graph | None, layer: int) -> str:
    """What a box adds to its kind in a graph: its name (`` a``) and, where it does not read
    the layer before, what it reads (``add(a,f)``: the skip shows as the add's inputs)."""
    if graph is None:
        return ""
    name = graph.names[layer]
    text = f" {name}" if name is not None else ""
    if graph.inputs[layer] != (layer - 1,):
        text += "(" + ",".join(graph.name(j) for j in graph.inputs[layer]) + ")"
    return text


def network_items(session: Session, step: Step) -> tuple[NetworkItem, ...]:
    shapes = session.scenario.shapes
    layers = session.scenario.layers
    current = len(layers) if step.layer is None else step.layer

    def state(i: int) -> str:
        if i == current:
            return "current"
        if step.phase == "forward":
            return "done" if i < current else "todo"
        if step.phase == "backward":
            return "done" if i > current else "todo"
        return "done"

    loss_short = {"cross_entropy": "CE", "mse": "MSE"}
    items = [NetworkItem("input", shape_text(shapes[0]), "done", "in")]
    graph = session.scenario.graph
    items += [
        NetworkItem(
            layer.type + wiring(graph, i),
            shape_text(shapes[i + 1]),
            state(i),
            kind_table.short_name(layer.type) + wiring(graph, i),
        )
        for i, layer in enumerate(layers)
    ]
    loss = session.scenario.loss
    items.append(NetworkItem(loss, "loss", state(len(layers)), loss_short[loss]))
    return tuple(items)


def build_scene(session: Session) -> Scene:
    step = session.step
    record = session.run.record(step.iteration)
    canvas = Canvas(session.timeline, step, session.precision, session.selected)
    content = inline_content(session)
    panels = tuple(build_panels(canvas)) if content is None else content.panels
    where = "loss" if step.layer is None else f"layer {step.layer} {step.kind}"
    warning = session.nonfinite_warning()
    status = Status(
        iteration=step.iteration,
        iterations=len(session.run),
        phase=step.phase,
        where=where,
        k=step.k,
        total=session.total,
        loss=record.loss if step.phase != "forward" or step.op.endswith(".mean") else None,
        breakpoints=len(session.breakpoints),
        warning=warning,
        message=session.message,
        previous_loss=(session.run.record(step.iteration - 1).loss if step.iteration > 0 else None),
        view=view_status(session, content is not None),
        view_short="" if session.view == NORMAL_VIEW else f"view {session.view}",
        precision=f"{session.precision} dp",
    )
    direction = {"forward": "→", "backward": "←", "update": "↻"}[step.phase]
    losses = session.loss_history()
    return Scene(
        panels,
        step.equation if content is None else content.equation or step.equation,
        narration_for(session, step),
        status,
        network_items(session, step),
        direction,
        losses,
        session.view if content is not None else "",
        session.page,
    )


def view_status(session: Session, shown: bool) -> str:
    """The status bar's words for the inline view that is on (empty for the normal view)."""
    if session.view == NORMAL_VIEW or session.view not in views():
        return ""
    chosen = views()[session.view]
    where = "" if shown else " (on conv2d steps)"
    return f"view: {chosen.label}{where} ({chosen.key}: next view)"
