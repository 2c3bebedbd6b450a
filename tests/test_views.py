"""Views are modules of stepcnn.present.views, each reachable by the key it names."""

from stepcnn.present.views import next_inline, views
from stepcnn.session.session import NORMAL_VIEW, Session
from stepcnn.timeline.load import load_scenario
from stepcnn.tui.bindings import BINDINGS


def test_every_view_has_its_binding() -> None:
    actions = {b.action: b.key.split(",") for b in BINDINGS}
    for view in views().values():
        action = f"cycle_view('{view.key}')" if view.inline else f"view('{view.name}')"
        assert action in actions, f"view {view.name} has no binding {action}"
        assert view.key in actions[action], f"{action} is not bound to {view.key!r}"


def test_the_m_cycle_is_normal_fc_im2col_normal() -> None:
    order = [NORMAL_VIEW]
    for _ in range(3):
        order.append(next_inline("m", order[-1]))
    assert order == [NORMAL_VIEW, "fc", "im2col", NORMAL_VIEW]


def test_a_view_with_nothing_to_show_says_why() -> None:
    session = Session(load_scenario("tour"))
    session.goto(next(k for k in range(session.total) if session.timeline[k].kind == "relu"))
    for name in ("fc", "im2col", "gradcheck", "weights"):
        reason = views()[name].build(session)
        assert isinstance(reason, str) and reason, name


def test_the_gradient_check_numbers_its_iteration_from_1() -> None:
    """Its title read "iteration 0" for the status bar's "iteration 1 of 5"."""
    from stepcnn.present.views import ViewContent

    session = Session(load_scenario("tour"), iterations=2)
    second = session.timeline.per_iteration
    for k, name in ((0, "iteration 1"), (second, "iteration 2")):
        session.goto(k)
        content = views()["gradcheck"].build(session)
        assert isinstance(content, ViewContent)
        assert content.title.endswith(name), content.title


def test_the_gradient_check_shows_every_channel_of_the_filter() -> None:
    """LeNet-5's C3 filter (6 input channels) showed channels 0–2 of its dW, numeric dW and
    differences, without a word about the other three."""
    from stepcnn.present.views import ViewContent

    lenet = Session(load_scenario("lenet5"), iterations=1)
    c3 = next(
        s
        for s in lenet.timeline.segments
        if s.kind == "conv2d" and s.phase == "backward" and s.layer == 3
    )
    lenet.goto(c3.start)
    content = views()["gradcheck"].build(lenet)
    assert isinstance(content, ViewContent)
    for panel in content.panels:
        assert len(panel.grids) == 6, (panel.title, [g.label for g in panel.grids])


def test_the_weight_view_numbers_its_iteration_from_1_and_brackets_a_negative_factor() -> None:
    """Its title read "iteration 0" beside the status bar's "iteration 1 of 5", and the
    update "−0.05112 − 1.0·−0.05588" (a product of a negative without its brackets)."""
    from stepcnn.present.views import ViewContent
    from stepcnn.timeline import TensorId

    session = Session(load_scenario("tour"), iterations=2)
    for iteration in (0, 1):
        session.goto(iteration * session.timeline.per_iteration)
        session.select(TensorId(0, "weight"), (0, 0, 1, 2))
        content = views()["weights"].build(session)
        assert isinstance(content, ViewContent)
        assert content.title.endswith(f"iteration {iteration + 1}"), content.title
        story = content.data
        update = content.notes[1].split("update: ")[1]
        if story.grad < 0:  # type: ignore[attr-defined]
            assert "·(−" in update and "·−" not in update, update
