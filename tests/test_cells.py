"""Number formatting for matrix cells: the vectorised block form equals the one-cell form."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from stepcnn.present.cells import format_block, format_number

EDGES = [0.0, -0.0, np.nan, np.inf, -np.inf, 0.004, -0.005, 0.005, 9999.99, -9999.996, 99999.995]


@settings(derandomize=True, database=None, deadline=None, max_examples=200)
@given(
    st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=30),
    st.integers(0, 6),
)
def test_block_formatting_matches_cell_formatting(values: list[float], precision: int) -> None:
    array = np.array(values + EDGES, dtype=np.float64)
    expected = [format_number(float(v), precision) for v in array]
    assert format_block(array, precision).tolist() == expected


def test_small_numbers_never_look_like_zero_and_negative_zero_has_no_sign() -> None:
    assert format_number(0.001, 2) == "1e-03"
    assert format_number(-0.0, 2) == "0.00"
    assert format_number(-0.004, 2) == "-4e-03"
    assert format_number(12345.678, 2) == "12345.68"
    assert format_number(123456.789, 2) == "1.2e+05"
    assert format_block(np.array([[0.5, -0.0], [np.nan, -np.inf]]), 1).tolist() == [
        ["0.5", "0.0"],
        ["nan", "-inf"],
    ]
