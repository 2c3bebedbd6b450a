"""Running sums on screen: ``before + contribution = after`` for the cell being added.

On real sessions, at every step that adds into dW (conv2d and linear backward) and at every
forward dot product (Σ + b): the caption's numbers are the timeline's (the cell as it stood
one step earlier, the engine's g·x, the cell now), written in the matrix's own format, the
sum holds to the precision shown, and a non-zero contribution never reads as zero.
"""

import re
from dataclasses import replace
from decimal import Decimal

import numpy as np
import pytest
from test_present import paint

from stepcnn.present.grid import Panel
from stepcnn.present.numformat import NumberFormat
from stepcnn.present.running_sum import sum_text
from stepcnn.present.scene import build_scene
from stepcnn.present.views import view
from stepcnn.session.session import Session
from stepcnn.timeline import Step, TensorId
from stepcnn.timeline.load import load_scenario

CAPTION = re.compile(
    r"^(?P<name>.+?)(?: (?P<factor>×10\S+))?: (?P<before>\S+) \+ (?P<added>\S+) (?P<sign>[=≈])"
    r" (?P<after>\S+)$"
)


def factor_of(caption: str) -> str:
    """The shared factor of a scaled matrix written by the cell's name ("" when none)."""
    found = CAPTION.match(caption)
    assert found, caption
    return found["factor"] or ""


def parse(caption: str) -> tuple[str, str, str, str]:
    found = CAPTION.match(caption)
    assert found, caption
    added = found["added"]
    if added.startswith("("):
        assert added.endswith(")") and added[1] == "-", caption
        added = added[1:-1]
    return found["name"], found["before"], added, found["after"]


def unit(text: str, fmt: NumberFormat) -> float:
    """The value of one unit in the last digit ``text`` shows."""
    if text == "0":
        return 0.0
    if fmt.scientific:
        return 10.0 ** (int(text.split("e")[1]) - fmt.precision)
    return 10.0**-fmt.precision


def check_sum(panel: Panel, before: float, added: float, after: float) -> tuple[str, ...]:
    """The caption against the three numbers; returns the cell's name."""
    fmt = panel.number_format
    assert fmt is not None
    name, b, c, a = parse(panel.caption)
    # a scaled matrix's numbers are read with its factor, so the caption carries it too
    assert factor_of(panel.caption) == fmt.factor, panel.caption
    # the caption's numbers, written as the matrix writes its cells — with a few more
    # decimals when, rounded each on its own, they would not add up
    written = [
        tuple(replace(fmt, precision=fmt.precision + extra).text(v) for v in (before, added, after))
        for extra in range(4)
    ]
    assert (b, c, a) in written, (panel.caption, written)
    # what is added shows: never a zero for a non-zero contribution
    assert (float(c) == 0) == (added == 0), panel.caption
    # "=": the shown terms add up to the shown sum, rounded to its last digit; "≈" only when
    # no more decimals make them
    if "≈" in panel.caption:
        assert (b, c, a) == written[0]
        assert all(not adds(*texts) for texts in written), panel.caption
    else:
        assert adds(b, c, a), panel.caption
    return name, b, c, a


def adds(b: str, c: str, a: str) -> bool:
    """b + c, rounded to a's last digit, reads a (worked in exact decimals)."""
    exact = Decimal(b) + Decimal(c)
    last = Decimal(1).scaleb(Decimal(a).as_tuple().exponent)  # type: ignore[arg-type]
    return abs(exact - Decimal(a)) * 2 <= last


def panels_at(s: Session, k: int) -> dict[str, Panel]:
    s.goto(k)
    return {p.key: p for p in build_scene(s).panels}


def steps(s: Session, op: str) -> list[Step]:
    tl = s.timeline
    return [tl[k] for k in range(tl.per_iteration) if tl[k].op == op]


def cell_of(name: str) -> tuple[int, ...]:
    return tuple(int(i) for i in name[name.index("[") + 1 : name.index("]")].split(","))


@pytest.mark.parametrize(
    ("scenario", "op"),
    [
        ("tour", "conv2d.backward"),
        ("tour", "linear.backward"),
        ("rgb-stride-padding", "conv2d.backward"),
        ("digits", "linear.backward"),
    ],
)
def test_each_dw_step_shows_before_plus_contribution_equals_after(scenario: str, op: str) -> None:
    s = Session(load_scenario(scenario))
    tl = s.timeline
    seen_nonzero = 0
    chosen = steps(s, op)
    for step in chosen[:120]:
        assert step.layer is not None
        lr = s.run.record(step.iteration).layers[step.layer]
        dw = TensorId(step.layer, "grad_weight")
        panel = panels_at(s, step.k)["dw"]
        name = parse(panel.caption)[0]
        assert name.startswith("dW[")
        cell = cell_of(name)
        g = float(lr.grad_output[step.index])
        if op == "conv2d.backward":
            n, f, r, c = step.index
            assert cell[0] == f  # a cell of the filter this step adds into
            spec = s.scenario.layers[step.layer]
            (ph, pw), (sh, sw) = spec.padding, spec.stride  # type: ignore[attr-defined]
            xp = np.pad(lr.input[n], ((0, 0), (ph, ph), (pw, pw)))
            ch, i, j = cell[1:]
            added = g * float(xp[ch, r * sh + i, c * sw + j])
        else:
            n, o = step.index
            assert cell[0] == o
            added = g * float(lr.input[n, cell[1]])
        # before: the cell as the timeline has it one step earlier (0 at this op's first step)
        first = step.k == chosen[0].k
        before = 0.0 if first else float(tl.tensor_at(step.k - 1, dw).values[cell])
        after = float(tl.tensor_at(step.k, dw).values[cell])
        check_sum(panel, before, added, after)
        # the cell of the matrix shows what the caption says it holds now
        (grid,) = [g for g in panel.grids if g.tensor == dw and g.prefix == cell[: len(g.prefix)]]
        rest = cell[len(grid.prefix) :]
        text = grid.text[rest] if len(rest) == 2 else grid.text[divmod(rest[-1], grid.wrap or 1)]
        assert text == panel.number_format.text(after)  # type: ignore[union-attr]
        seen_nonzero += added != 0
    assert seen_nonzero > 0


@pytest.mark.parametrize(
    ("scenario", "op", "key"),
    [
        ("tour", "conv2d.backward", "dx"),
        ("rgb-stride-padding", "conv2d.backward", "dx"),  # padding has no dx
        ("tour", "linear.backward", "dx"),
        ("tour", "linear.backward", "db"),
        ("digits", "linear.backward", "db"),
    ],
)
def test_each_dx_and_db_step_shows_before_plus_contribution_equals_after(
    scenario: str, op: str, key: str
) -> None:
    s = Session(load_scenario(scenario))
    tl = s.timeline
    chosen = steps(s, op)
    for step in chosen[:120]:
        assert step.layer is not None
        lr = s.run.record(step.iteration).layers[step.layer]
        assert lr.params is not None
        w = lr.params.weight
        g = float(lr.grad_output[step.index])
        panel = panels_at(s, step.k)[key]
        cell = cell_of(parse(panel.caption)[0])
        tid = TensorId(step.layer, "grad_input" if key == "dx" else "grad_bias")
        if key == "db":
            assert cell == (step.index[1],)
            added = g
        elif op == "conv2d.backward":
            n, f, r, c = step.index
            spec = s.scenario.layers[step.layer]
            (ph, pw), (sh, sw) = spec.padding, spec.stride  # type: ignore[attr-defined]
            (kh, kw), (h, wd) = w.shape[2:], lr.input.shape[2:]
            nn, ch, y, x = cell
            i, j = y - (r * sh - ph), x - (c * sw - pw)
            assert nn == n and 0 <= i < kh and 0 <= j < kw  # in the window this step adds to
            assert 0 <= y < h and 0 <= x < wd  # a cell of the map, not of its padding
            added = g * float(w[f, ch, i, j])
        else:
            n, o = step.index
            assert cell[0] == n
            added = g * float(w[o, cell[1]])
        first = step.k == chosen[0].k
        before = 0.0 if first else float(tl.tensor_at(step.k - 1, tid).values[cell])
        check_sum(panel, before, added, float(tl.tensor_at(step.k, tid).values[cell]))


@pytest.mark.parametrize(
    ("scenario", "op"), [("tour", "conv2d.forward"), ("tour", "linear.forward")]
)
def test_each_forward_dot_product_shows_sum_plus_bias_equals_output(scenario: str, op: str) -> None:
    s = Session(load_scenario(scenario))
    for step in steps(s, op):
        assert step.layer is not None
        lr = s.run.record(step.iteration).layers[step.layer]
        assert lr.params is not None
        panel = panels_at(s, step.k)["output"]
        bias = float(lr.params.bias[step.index[1]])
        out = float(lr.output[step.index])
        name = check_sum(panel, out - bias, bias, out)[0]
        assert name.startswith("out[") and cell_of(name) == step.index


def test_the_selected_weight_is_the_cell_the_sum_follows() -> None:
    s = Session(load_scenario("tour"))
    step = steps(s, "conv2d.backward")[10]
    f = step.index[1]
    s.select(TensorId(0, "weight"), (f, 0, 2, 1))
    panel = panels_at(s, step.k)["dw"]
    assert parse(panel.caption)[0] == f"dW[{f},0,2,1]"
    s.select(TensorId(0, "weight"), (f + 1, 0, 2, 1))  # another filter: the largest again
    panel = panels_at(s, step.k)["dw"]
    assert parse(panel.caption)[0] != f"dW[{f + 1},0,2,1]"


def test_a_contribution_too_small_for_the_decimals_scales_the_matrix() -> None:
    # tour, iteration 1, conv position [0,0,2,2]: the gradient there is about 0.0036, added
    # into dW[0,0,0,0] of about −0.03: at 2 decimals that would read −0.03 + 0.00 = −0.03.
    s = Session(load_scenario("tour"))
    assert s.precision == 2
    step = next(t for t in steps(s, "conv2d.backward") if t.index == (0, 0, 2, 2))
    lr = s.run.record(0).layers[0]
    g = lr.grad_output[0, 0]
    x = lr.input[0, 0]  # no padding, stride 1: dW[0,0,0,0] = Σ g[r,c]·x[r,c] so far
    before = float(sum(g[r, c] * x[r, c] for r in range(4) for c in range(4) if (r, c) < (2, 2)))
    added = float(g[2, 2] * x[2, 2])
    after = before + added
    assert 0.001 < abs(added) < 0.005 < abs(before)  # the case: 2 decimals would hide it
    panel = panels_at(s, step.k)["dw"]
    # fixed after a factor 10^k of the matrix's largest magnitude: 2 decimals then show it
    largest = max(abs(before), abs(after), float(np.abs(panel.grids[0].values).max()))
    k = int(np.floor(np.log10(largest)))
    assert panel.number_format == NumberFormat(2, scale=k)
    superscript = str(k).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    assert parse(panel.caption)[0] == "dW[0,0,0,0]"
    assert factor_of(panel.caption) == "×10" + superscript
    scaled = [v / 10.0**k for v in (before, added, after)]
    assert parse(panel.caption)[1:] == tuple(f"{v:.2f}" for v in scaled)
    s.change_precision(1)  # the "." key: 3 decimals show it in fixed notation
    panel = panels_at(s, step.k)["dw"]
    assert panel.number_format == NumberFormat(3)
    assert parse(panel.caption)[1:] == (f"{before:.3f}", f"{added:.3f}", f"{after:.3f}")


@pytest.mark.parametrize("width", [160, 80, 60, 47])
def test_a_painted_running_sum_is_whole_or_cut_between_numbers(width: int) -> None:
    s = Session(load_scenario("tour"))
    step = next(t for t in steps(s, "conv2d.backward") if t.index == (0, 0, 2, 2))
    s.goto(step.k)
    panels = build_scene(s).panels
    texts, placed = paint(panels, width, 40)
    for pl in placed:
        if not pl.panel.caption:
            continue
        bottom = texts[pl.y + pl.height - 1][pl.x : pl.x + pl.width]
        shown = bottom.strip("╰╯─ ")
        if width == 160:
            assert shown == pl.panel.caption  # room enough: the whole sum
        # the whole sum; when it does not fit, without the cell's name but every number
        # whole (the short form); else whole words of it, then "…" where it stops
        caption, short = pl.panel.caption, pl.panel.short_caption
        if shown in (caption, short):
            continue
        assert len(short) > pl.width - 6, (shown, short)  # the short form did not fit either
        words = shown.removesuffix("…").split()
        assert words == short.split()[: len(words)], (shown, short)
        assert shown.endswith("…")


@pytest.mark.parametrize("precision", [2, 4])
def test_the_weight_view_table_adds_up_row_by_row_in_one_format(precision: int) -> None:
    s = Session(load_scenario("tour"))
    s.precision = precision
    cell = (0, 0, 1, 2)
    s.select(TensorId(0, "weight"), cell)
    content = view("weights").build(s)
    assert not isinstance(content, str) and content.table is not None
    columns, rows = content.table
    terms, running = columns.index("x·g"), columns.index("running dW")
    grads = s.run.record(0).layers[0].grads
    assert grads is not None and rows
    texts = [r[terms] for r in rows] + [r[running] for r in rows]
    scientific = {"e" in t for t in texts if t != "0"}
    assert len(scientific) == 1  # one notation for both columns
    fmt = NumberFormat(precision, scientific.pop())
    before = "0"
    for row in rows:
        b, c, a = before, row[terms], row[running]
        assert abs(float(b) + float(c) - float(a)) <= 0.5 * (
            unit(b, fmt) + unit(c, fmt) + unit(a, fmt)
        ) * (1 + 1e-9), (b, c, a)
        before = a
    assert float(before) == pytest.approx(float(grads.weight[cell]), abs=unit(before, fmt))


def test_a_scaled_forward_sum_writes_its_factor_by_the_cell_not_by_b() -> None:
    """Diverging's output read "out[0,0] = Σ + b ×10¹⁴¹: inf + (-2.1196) = inf" — as if the
    bias were multiplied by 10¹⁴¹ in the formula. The factor belongs to the cell's name."""
    from stepcnn.present.grid import make_grid
    from stepcnn.present.running_sum import with_running_sum

    values = np.array([[3.0e-6, 1.2e-6]])
    panel = Panel("output", "output", (make_grid("out[0]", values, precision=3),))
    shown = with_running_sum(panel, "out[0,0] = Σ + b", 2.0e-6, 1.0e-6, 3.0e-6)
    factor = shown.number_format.factor if shown.number_format else ""
    assert factor  # scaled
    assert shown.caption.startswith(f"out[0,0] {factor} = Σ + b: "), shown.caption


# ---- rounding: the shown terms add up to the shown sum --------------------------------------


def test_numbers_that_rounded_each_on_its_own_would_not_add_up_get_more_decimals() -> None:
    """0.9996 + 0.9996 = 1.9992: at 3 decimals each reads 1.000, the sum 1.999 — "1.000 +
    1.000 = 1.999" is false as written. The caption takes a decimal more: the numbers then
    add up, and each still rounds to what the matrix's cell shows."""
    fmt = NumberFormat(3)
    assert (fmt.text(0.9996), fmt.text(1.9992)) == ("1.000", "1.999")  # the case
    assert sum_text(fmt, 0.9996, 0.9996, 1.9992) == "0.9996 + 0.9996 = 1.9992"
    # numbers that add up as they are keep the matrix's decimals
    assert sum_text(fmt, 0.310, 0.004, 0.314) == "0.310 + 0.004 = 0.314"
    assert sum_text(fmt, 0.5, -0.25, 0.25) == "0.500 + (-0.250) = 0.250"
    # scaled: the mantissas add up the same way
    scaled = NumberFormat(3, scale=-6)
    assert sum_text(scaled, 0.9996e-6, 0.9996e-6, 1.9992e-6) == "0.9996 + 0.9996 = 1.9992"


def test_numbers_no_few_more_decimals_make_add_up_are_written_approximately() -> None:
    """⅔·10⁻³ twice: at 3, 4, 5 and 6 decimals each rounds up, their sum does not
    (0.001 + 0.001 vs 0.001; 0.0007 + 0.0007 vs 0.0013; …): "≈", never a false "="."""
    x = 2 / 3 * 1e-3
    assert sum_text(NumberFormat(3), x, x, 2 * x) == "0.001 + 0.001 ≈ 0.001"


def test_a_lenet5_running_sum_adds_up_as_written() -> None:
    """On a real session: every dW caption of LeNet-5's C3 backward for a few hundred steps
    reads an equation that holds as written (or says ≈)."""
    s = Session(load_scenario("lenet5"), iterations=1)
    seg = next(x for x in s.timeline.segments if x.layer == 3 and x.phase == "backward")
    for k in range(seg.start, seg.start + 300, 7):
        caption = panels_at(s, k)["dw"].caption
        found = CAPTION.match(caption)
        assert found, caption
        _, b, c, a = parse(caption)
        assert adds(b, c, a) or found["sign"] == "≈", caption
