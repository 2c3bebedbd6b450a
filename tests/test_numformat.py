"""One number format per matrix: fixed, scaled (one shared power of ten) or scientific for the
whole matrix, chosen from its range. The expected strings are worked out by hand."""

import numpy as np
import pytest

from stepcnn.present.numformat import NumberFormat, choose, shared


def shown(values: list[float], precision: int) -> list[str]:
    array = np.array(values, dtype=np.float64)
    return choose(array, precision).block(array).tolist()


def test_the_defect_seen_one_tiny_value_makes_the_whole_matrix_scientific() -> None:
    # Was "0.00 0.31 4e-03": two notations in one matrix, and 0.004 hidden by 2 decimals.
    assert shown([0.0, 0.31, 0.004], 2) == ["0", "3.10e-01", "4.00e-03"]


def test_fixed_while_every_value_fits() -> None:
    assert shown([0.0, 0.31, -0.24, 1.0], 2) == ["0.00", "0.31", "-0.24", "1.00"]
    # 0.007881 keeps a digit at 2 decimals (0.01): still fixed.
    assert shown([0.007881, 0.3003, -0.2372], 2) == ["0.01", "0.30", "-0.24"]
    assert shown([12345.678, 0.5], 2) == ["12345.68", "0.50"]


def test_a_value_that_rounds_to_zero_is_never_shown_as_zero() -> None:
    # 0.004 at 2 decimals would be 0.00; at 3 decimals it is 0.004.
    assert shown([0.004, 0.5], 3) == ["0.004", "0.500"]
    assert shown([-0.004, 0.5], 2) == ["-4.00e-03", "5.00e-01"]
    # 0.4 at 0 decimals would be "0": scientific with a bare mantissa.
    assert shown([0.4, 3.0], 0) == ["4e-01", "3e+00"]


def test_too_many_integer_digits_go_scientific() -> None:
    assert shown([123456.789, 1.0], 2) == ["1.23e+05", "1.00e+00"]
    assert shown([99999.994, 1.0], 2) == ["99999.99", "1.00"]
    assert shown([99999.996, 1.0], 2) == ["1.00e+05", "1.00e+00"]  # rounds up to 6 digits


def test_exponents_of_three_digits_widen_every_cell() -> None:
    assert shown([1e-120, 2.0], 1) == ["1.0e-120", "2.0e+000"]
    assert shown([0.0, 1e200], 1) == ["0", "1.0e+200"]


def test_negative_zero_is_a_zero_and_nonfinite_values_are_named() -> None:
    assert shown([-0.0, 1.5], 2) == ["0.00", "1.50"]
    assert shown([-0.0, 0.001], 2) == ["0", "1.00e-03"]  # a zero stands out
    assert shown([np.nan, np.inf, -np.inf, 0.25], 2) == ["nan", "inf", "-inf", "0.25"]
    # NaN and inf do not choose the notation: the finite values do.
    assert not choose(np.array([np.nan, np.inf, 0.5]), 2).scientific


def test_an_all_zero_or_empty_or_nonfinite_matrix_is_fixed() -> None:
    assert shown([0.0, -0.0, 0.0], 3) == ["0.000", "0.000", "0.000"]
    assert shown([np.nan, -np.inf], 1) == ["nan", "-inf"]
    assert choose(np.zeros((0, 3)), 2) == NumberFormat(2)
    assert NumberFormat(2).block(np.zeros((0, 3))).shape == (0, 3)


def test_every_cell_of_a_matrix_right_justified_lines_up() -> None:
    values = np.array([[0.31, -0.004], [12.5, 0.0]])  # 0 in a scientific matrix: "0"
    for precision in range(7):
        fmt = choose(values, precision)
        texts = fmt.block(values)
        width = fmt.width(values)
        assert width == max(len(t) for t in texts.ravel())
        cells = [t.rjust(width) for t in texts.ravel() if t != "0"]
        # the decimal point (or the mantissa's) at the same column in every cell
        points = {c.index(".") if "." in c else None for c in cells}
        assert len(points) == 1, cells
        marks = {c.index("e") for c in cells} if fmt.scientific else set()
        assert len(marks) <= 1, cells


def test_width_is_found_from_the_extremes_alone() -> None:
    values = np.array([0.5, -12.25, 3.0, np.nan])
    fmt = choose(values, 2)
    assert fmt.width(values) == len("-12.25")
    values = np.array([1e-5, 2.0, -np.inf])
    fmt = choose(values, 1)
    assert fmt.width(values) == len("1.0e-05") and fmt.block(values)[2] == "-inf"
    assert choose(np.array([np.nan]), 2).width(np.array([np.nan])) == 3


def test_the_channels_of_a_map_share_one_format() -> None:
    a, b = np.array([[0.5, 0.25]]), np.array([[0.001, 1.0]])
    assert not choose(a, 2).scientific and choose(b, 2).scientific
    fmt = shared([a, b], 2)
    assert fmt.block(a).tolist() == [["5.00e-01", "2.50e-01"]]
    assert shared([], 2) == NumberFormat(2)


@pytest.mark.parametrize("precision", range(7))
def test_block_equals_one_value_at_a_time(precision: int) -> None:
    rng = np.random.default_rng(precision)
    values = np.concatenate(
        [rng.normal(size=50) * 10.0 ** rng.integers(-8, 8, size=50), [0.0, -0.0, np.nan, np.inf]]
    )
    for fmt in (choose(values, precision), NumberFormat(precision), NumberFormat(precision, True)):
        assert fmt.block(values).tolist() == [fmt.text(float(v)) for v in values]
        assert not any(t.startswith("-0.") and float(t) == 0 for t in fmt.block(values))


# ---- scaled: fixed after one power of ten shared by the matrix (a panel's grids) -----------


def scaled(values: list[float], precision: int) -> tuple[list[str], str]:
    array = np.array(values, dtype=np.float64)
    fmt = choose(array, precision, scaled=True)
    return fmt.block(array).tolist(), fmt.factor


def test_the_defect_seen_scaled_where_the_matrix_can_show_a_factor() -> None:
    # 0.31 is 3.1·10⁻¹; 0.004 is 0.04·10⁻¹: both readable at 2 decimals, one factor.
    assert scaled([0.0, 0.31, 0.004], 2) == (["0", "3.10", "0.04"], "×10⁻¹")


def test_a_gradient_of_a_millionth_is_as_narrow_as_a_weight() -> None:
    # 3.065e-6 / 1e-6 = 3.065; 4.93e-8 → 0.0493 → 0.049; −2.746e-7 → −0.2746 → −0.275.
    assert scaled([3.065e-06, 4.93e-08, -2.746e-07, -0.0], 3) == (
        ["3.065", "0.049", "-0.275", "0"],
        "×10⁻⁶",
    )


def test_large_numbers_scale_down() -> None:
    # 12,345,678 has 8 digits before the point (more than 5): 1.23·10⁷; 300,000 is 0.03·10⁷.
    assert scaled([12345678.0, 300000.0], 2) == (["1.23", "0.03"], "×10⁷")


def test_the_factor_is_the_largest_magnitude_as_rounded() -> None:
    # 0.009996 at 2 decimals of a mantissa is 1.00e-02: the factor 10⁻², the cell 1.00.
    assert scaled([0.009996, 0.0004], 2) == (["1.00", "0.04"], "×10⁻²")


def test_a_range_too_wide_for_one_factor_is_scientific() -> None:
    # 1e-6 next to 1 would read 0.00 after any factor that keeps 1 readable.
    cells, factor = scaled([1.0, 1e-6], 2)
    assert (cells, factor) == (["1.00e+00", "1.00e-06"], "")


def test_what_fits_fixed_is_not_scaled() -> None:
    assert scaled([0.5, -0.25], 2) == (["0.50", "-0.25"], "")


def test_a_scaled_cell_alone_matches_the_block() -> None:
    fmt = NumberFormat(3, scale=-6)
    values = np.array([3.065e-06, -2.746e-07, 0.0, np.nan])
    assert [fmt.text(v) for v in values] == fmt.block(values).tolist()
    assert fmt.block(values).tolist() == ["3.065", "-0.275", "0", "nan"]


def test_a_panel_without_an_exact_need_scales_past_a_range_too_wide() -> None:
    # g·patch of LeNet-5's C3: 1.6e-4 is 1.600·10⁻⁴; 3e-5 is 0.300·10⁻⁴; 1.8e-9 is below the
    # last decimal: 0.000, told apart from an exact zero, 0.
    values = np.array([1.8e-09, 1.6e-04, -3e-05, 0.0])
    fmt = shared([values], 3, scaled=True, keep=())
    assert (fmt.block(values).tolist(), fmt.factor) == (["0.000", "1.600", "-0.300", "0"], "×10⁻⁴")
    # what must show (a running sum's contribution, 2e-9) keeps the matrix scientific
    fmt = shared([values], 3, scaled=True, keep=(np.array([2e-09]),))
    assert fmt.block(values).tolist() == ["1.800e-09", "1.600e-04", "-3.000e-05", "0"]
    # without keep (None: every value must show) too, and never with a factor of 10⁰
    assert shared([values], 3, scaled=True).scientific
    assert shared([np.array([1.0, 1e-6])], 2, scaled=True, keep=()).scientific
