"""One number format per matrix, chosen from the range of its finite values.

A matrix is written either all in fixed notation with ``p`` decimals or all in scientific
notation with ``p`` decimals in the mantissa — never a mix, so the digits of every cell line up
under right-justification and a small change reads as a change. The rule:

- **fixed** when every finite value fits: the largest magnitude has at most
  :data:`MAX_INTEGER_DIGITS` digits before the point, and no non-zero value rounds to zero
  (``|v| ≥ 0.5·10⁻ᵖ``: a small number must not look like an exact zero);
- **scientific** otherwise (``3.10e-01``), with as many exponent digits in every cell.

Exact zeros are written without a sign (``-0.0`` is a zero, not a negative number): ``0.00``
in a fixed matrix, a bare ``0`` in a scientific one; NaN and infinities are ``nan``, ``inf``
and ``-inf`` whatever the notation.
"""

from dataclasses import dataclass

import numpy as np

MAX_INTEGER_DIGITS = 5
"""Past this many digits before the point fixed notation is longer than scientific."""


def _nonfinite(value: float) -> str:
    return "nan" if np.isnan(value) else ("inf" if value > 0 else "-inf")


@dataclass(frozen=True)
class NumberFormat:
    """How every cell of one matrix is written."""

    precision: int  # decimals (of the mantissa, when scientific)
    scientific: bool = False
    exponent_digits: int = 2  # scientific only: the same in every cell

    def _zero(self) -> str:
        # In a scientific matrix a zero is "0": a page of 0.00e+00 hides the numbers that
        # are not zero (a ReLU's gradient is mostly zeros).
        return "0" if self.scientific else f"{0.0:.{self.precision}f}"

    def _pad_exponent(self, text: str) -> str:
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{exponent[0]}{exponent[1:].rjust(self.exponent_digits, '0')}"

    def text(self, value: float) -> str:
        """One value in this format."""
        v = float(value)
        if not np.isfinite(v):
            return _nonfinite(v)
        if v == 0:
            return self._zero()
        if self.scientific:
            return self._pad_exponent(f"{v:.{self.precision}e}")
        text = f"{v:.{self.precision}f}"
        # (a format chosen for the matrix never rounds a value to zero; one forced on it
        # might: then no sign either)
        return text[1:] if text.startswith("-") and not text.strip("-0.") else text

    def block(self, values: np.ndarray) -> np.ndarray:
        """Every value of ``values`` in this format (an object array of the same shape), in
        one vectorised pass; the rare special cells (zeros, non-finite, long exponents) are
        fixed up one by one."""
        flat = np.asarray(values, dtype=np.float64).ravel()
        if flat.size == 0:
            return np.zeros(np.shape(values), dtype=object)
        code = "e" if self.scientific else "f"
        with np.errstate(invalid="ignore", over="ignore"):
            text = np.char.mod(f"%.{self.precision}{code}", flat).astype(object)
        special = (flat == 0) | ~np.isfinite(flat)
        if not self.scientific:
            special |= np.abs(flat) < 10.0**-self.precision  # may round to "-0.00"
        else:
            # "%e" writes at least two exponent digits; a long exponent widens the others.
            special |= np.abs(flat) >= 1e100
            special |= (np.abs(flat) < 1e-99) & (flat != 0)
            if self.exponent_digits != 2:
                special[:] = True
        for i in np.flatnonzero(special):
            text[i] = self.text(float(flat[i]))
        return text.reshape(np.shape(values))

    def width(self, values: np.ndarray) -> int:
        """The longest text any cell of ``values`` gets (found from its extremes alone)."""
        flat = np.asarray(values, dtype=np.float64).ravel()
        finite = flat[np.isfinite(flat)]
        widths = (
            [len(self.text(float(v))) for v in (finite.min(), finite.max())] if finite.size else []
        )
        others = flat[~np.isfinite(flat)]
        widths += [len(_nonfinite(float(v))) for v in np.unique(others)] if others.size else []
        return max(widths, default=1)


def _extremes(values: np.ndarray) -> tuple[float, float] | None:
    """The largest and the smallest magnitude of the finite non-zero values (None: none)."""
    flat = np.asarray(values, dtype=np.float64).ravel()
    magnitudes = np.abs(flat[np.isfinite(flat) & (flat != 0)])
    if magnitudes.size == 0:
        return None
    return float(magnitudes.max()), float(magnitudes.min())


def choose(values: np.ndarray, precision: int) -> NumberFormat:
    """The format of a matrix whose cells are ``values`` (NaN and inf are ignored: they are
    written by name), with ``precision`` decimals."""
    return shared([values], precision)


def shared(parts: list[np.ndarray], precision: int) -> NumberFormat:
    """One format for several arrays drawn as one matrix (the channels of a map)."""
    found = [e for e in map(_extremes, parts) if e is not None]
    if not found:
        return NumberFormat(precision)
    largest, smallest = max(e[0] for e in found), min(e[1] for e in found)
    fits = len(f"{largest:.{precision}f}".split(".")[0]) <= MAX_INTEGER_DIGITS
    fits &= f"{smallest:.{precision}f}".strip("0.") != ""
    if fits:
        return NumberFormat(precision)
    exponents = [abs(int(f"{v:.{precision}e}".split("e")[1])) for v in (largest, smallest)]
    return NumberFormat(precision, True, max(2, *(len(str(e)) for e in exponents)))
