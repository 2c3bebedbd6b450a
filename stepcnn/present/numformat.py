"""One number format per matrix, chosen from the range of its finite values.

A matrix is written in one notation — never a mix, so the digits of every cell line up under
right-justification and a small change reads as a change. The rule:

- **fixed** with ``p`` decimals when every finite value fits: the largest magnitude has at most
  :data:`MAX_INTEGER_DIGITS` digits before the point, and no non-zero value rounds to zero
  (``|v| ≥ 0.5·10⁻ᵖ``: a small number must not look like an exact zero);
- **scaled** (where the matrix has a label to carry the factor): fixed with ``p`` decimals
  after a power of ten shared by the whole matrix, taken from its largest magnitude and
  written once beside it (``×10⁻⁶``: ``3.065`` is 3.065·10⁻⁶) — when that way no non-zero
  value rounds to zero. A gradient of 10⁻⁶ stays as narrow as a weight of 0.1;
  When no factor keeps every value readable, the scaled notation is still taken (a value
  below the last decimal reads ``0.000``, an exact zero ``0``) unless a value that must show
  — a running sum's contribution — would read as zero, the factor would be 10⁰ (nothing
  would tell such a matrix from a fixed one, whose zeros read ``0.000``), or the panel is
  evidence that must show every value (a gradient check's);
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

    precision: int  # decimals (of the mantissa, when scientific; after scaling, when scaled)
    scientific: bool = False
    exponent_digits: int = 2  # scientific only: the same in every cell
    scale: int | None = None  # scaled: every cell shows value / 10**scale

    @property
    def factor(self) -> str:
        """The shared factor written beside a scaled matrix (``×10⁻⁶``; "" when not scaled)."""
        if self.scale is None:
            return ""
        return "×10" + str(self.scale).translate(SUPERSCRIPT)

    def _scaled(self, v: np.ndarray | float) -> np.ndarray | float:
        # By an exact power of ten (10.0**-k is inexact for k > 0, 10.0**k is not, to 10²²).
        assert self.scale is not None
        return v * 10.0**-self.scale if self.scale < 0 else v / 10.0**self.scale

    def _zero(self) -> str:
        # In a scientific or scaled matrix a zero is "0": a page of 0.00e+00 hides the
        # numbers that are not zero (a ReLU's gradient is mostly zeros), and no non-zero
        # cell of such a matrix reads 0.000.
        if self.scientific or self.scale is not None:
            return "0"
        return f"{0.0:.{self.precision}f}"

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
        if self.scale is not None:
            v = float(self._scaled(v))
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
            shown = flat if self.scale is None else self._scaled(flat)
            text = np.char.mod(f"%.{self.precision}{code}", shown).astype(object)
        special = (flat == 0) | ~np.isfinite(flat)
        if not self.scientific:
            special |= np.abs(shown) < 10.0**-self.precision  # may round to "-0.00"
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


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def choose(
    values: np.ndarray,
    precision: int,
    scaled: bool = False,
    keep: tuple[np.ndarray, ...] | None = None,
) -> NumberFormat:
    """The format of a matrix whose cells are ``values`` (NaN and inf are ignored: they are
    written by name), with ``precision`` decimals; ``scaled``: the matrix can show a shared
    factor (a panel's grid with its label), so the scaled notation may be chosen; ``keep``:
    as for :func:`shared`."""
    return shared([values], precision, scaled, keep)


def shared(
    parts: list[np.ndarray],
    precision: int,
    scaled: bool = False,
    keep: tuple[np.ndarray, ...] | None = None,
) -> NumberFormat:
    """One format for several arrays drawn as one matrix (the channels of a map).

    ``keep`` (scaled matrices only): the values that must never read as zero — a running
    sum's contribution, since a sum that seems not to change hides the step; ``None``: every
    value. Once no factor writes every cell readably, the others may: a value below the last
    decimal then reads ``0.000`` while an exact zero reads ``0`` (as MATLAB's ``format short``
    writes its ``1.0e-03 *`` matrices) — better than a matrix too wide for the screen."""
    together = [np.concatenate([np.ravel(p) for p in parts])] if parts else []
    found = [e for e in map(_extremes, [*together, *(keep or ())]) if e is not None]
    if not found:
        return NumberFormat(precision)
    largest, smallest = max(e[0] for e in found), min(e[1] for e in found)
    fits = len(f"{largest:.{precision}f}".split(".")[0]) <= MAX_INTEGER_DIGITS
    fits &= f"{smallest:.{precision}f}".strip("0.") != ""
    if fits:
        return NumberFormat(precision)
    if scaled:
        scale = int(f"{largest:.{precision}e}".split("e")[1])  # of the largest, as rounded
        fmt = NumberFormat(precision, scale=scale)
        if f"{fmt._scaled(smallest):.{precision}f}".strip("0.") != "":
            return fmt
        kept = [e for e in map(_extremes, keep) if e is not None] if keep is not None else None
        readable = kept is not None and all(
            f"{fmt._scaled(e[1]):.{precision}f}".strip("0.") != "" for e in kept
        )
        if scale != 0 and readable:
            return fmt  # the cells' smallest read 0.000 (exact zeros: 0); what is added shows
    exponents = [abs(int(f"{v:.{precision}e}".split("e")[1])) for v in (largest, smallest)]
    return NumberFormat(precision, True, max(2, *(len(str(e)) for e in exponents)))
