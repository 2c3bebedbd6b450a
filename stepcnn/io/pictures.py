"""Reading a teacher's own samples for ``stepcnn new``: pictures, a CSV file, numpy arrays.

Every reader returns :class:`Samples` (inputs ``N×C×H×W``, integer labels) or raises
:class:`InputError`, whose message is one line naming the file. Pillow reads the pictures;
``.npy`` files are read with ``allow_pickle=False`` (data, never code).
"""

import csv
import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stepcnn.engine.types import Array
from stepcnn.scenario.limits import MAX_SAMPLES

MAX_SIDE = 128
"""Largest picture side a scenario takes (bigger pictures need ``--size``)."""
MAX_READ_PIXELS = 25_000_000
"""Larger pictures are refused before they are decoded (a decompression bomb, a photo)."""
MAX_DATA_BYTES = 64 * 1024 * 1024
"""Largest CSV or .npy file read."""


class InputError(Exception):
    """A sample file cannot be used: one line, naming the file (or the option)."""


@dataclass(frozen=True)
class Samples:
    inputs: Array  # N×C×H×W, float
    labels: tuple[int, ...]
    origin: str  # where they came from, for the scenario's description


def parse_shape(text: str, what: str) -> tuple[int, ...]:
    """``CxHxW`` or ``HxW`` (``--shape``), ``HxW`` (``--size``): positive integers."""
    try:
        parts = tuple(int(p) for p in text.lower().replace("×", "x").split("x"))
    except ValueError:
        parts = ()
    if not parts or min(parts) < 1:
        raise ValueError(f"must be {what} of positive integers, got {text!r}")
    return parts


def _check_file(path: Path, limit: int = MAX_DATA_BYTES) -> None:
    if not path.exists():
        raise InputError(f"{path}: file not found")
    if not path.is_file():
        raise InputError(f"{path}: not a regular file")
    size = path.stat().st_size
    if size > limit:
        raise InputError(f"{path}: {size:,} bytes is larger than the {limit:,} read")


def _check_labels(labels: Sequence[int], where: str) -> tuple[int, ...]:
    for label in labels:
        if label < 0:
            raise InputError(f"{where}: label {label} is negative; labels are classes 0, 1, 2, …")
    return tuple(int(label) for label in labels)


def _check_count(count: int, where: str) -> None:
    if count == 0:
        raise InputError(f"{where}: no samples")
    if count > MAX_SAMPLES:
        raise InputError(f"{where}: {count:,} samples, more than the {MAX_SAMPLES:,} allowed")


# ---- pictures ---------------------------------------------------------------------------


def from_images(
    paths: Sequence[Path], labels: Sequence[int], size: tuple[int, int] | None = None
) -> Samples:
    """One sample per picture: grayscale → one channel of pixel/255, colour → three (all
    pictures become colour when any one is); ``size`` (H, W) resizes every picture."""
    from PIL import Image, UnidentifiedImageError

    _check_count(len(paths), "--images")
    if len(labels) < len(paths):
        raise InputError(
            f"{paths[len(labels)]}: has no label "
            f"({len(labels)} label{'s' if len(labels) != 1 else ''} for {len(paths)} images)"
        )
    if len(labels) > len(paths):
        raise InputError(f"--labels: {len(labels)} labels for {len(paths)} images")
    checked = _check_labels(labels, "--labels")
    if size is not None and max(size) > MAX_SIDE:
        raise InputError(f"--size: at most {MAX_SIDE}x{MAX_SIDE}, got {size[0]}x{size[1]}")

    pictures = []
    for path in paths:
        _check_file(path)
        try:
            with warnings.catch_warnings():
                # Pillow warns (two lines on stderr) above its own limit and refuses twice
                # that: both become the one line below, as does anything above ours.
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(path) as image:
                    width, height = image.size
                    if width * height > MAX_READ_PIXELS:
                        raise InputError(_too_large(path, f"{height}×{width} pixels (H×W)"))
                    gray = image.mode in ("1", "L", "LA", "I", "I;16", "F")
                    pictures.append((path, image.convert("L" if gray else "RGB"), gray))
        except InputError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            found = re.search(r"\((\d+) pixels\)", str(exc))
            claimed = f"{int(found.group(1)):,} pixels" if found else "the picture"
            raise InputError(_too_large(path, claimed)) from None
        except UnidentifiedImageError:
            raise InputError(f"{path}: not a picture Pillow can read") from None
        except (OSError, ValueError) as exc:
            raise InputError(f"{path}: cannot read the picture: {exc}") from None

    colour = not all(gray for _, _, gray in pictures)
    arrays = []
    first_path, first = pictures[0][0], pictures[0][1]
    for path, picture, _ in pictures:
        if size is not None:
            picture = picture.resize((size[1], size[0]), Image.Resampling.BILINEAR)
        elif picture.size != first.size:
            raise InputError(
                f"{path}: is {_hw(picture.size)} pixels (H×W) but {first_path} is "
                f"{_hw(first.size)}: give --size HxW to bring them to one size"
            )
        elif max(picture.size) > MAX_SIDE:
            raise InputError(
                f"{path}: {_hw(picture.size)} pixels (H×W) is larger than the "
                f"{MAX_SIDE}×{MAX_SIDE} a scenario takes: give --size HxW (e.g. --size 28x28)"
            )
        if colour and picture.mode != "RGB":
            picture = picture.convert("RGB")
        pixels = np.asarray(picture, dtype=float) / 255.0
        arrays.append(pixels.transpose(2, 0, 1) if colour else pixels[np.newaxis])
    inputs = np.stack(arrays)
    channels = "3 channels (RGB)" if colour else "1 channel (grayscale)"
    names = ", ".join(p.name for p in paths[:4]) + (", …" if len(paths) > 4 else "")
    origin = f"{len(paths)} pictures ({names}), pixel/255, {channels}"
    return Samples(inputs, checked, origin)


def _too_large(path: Path, size: str) -> str:
    """The one line for a picture over the read limit (never decoded: a decompression bomb)."""
    return f"{path}: {size} is too large to read (at most {MAX_READ_PIXELS:,} pixels)"


def _hw(size: tuple[int, int]) -> str:
    """Pillow's (width, height) as ``H×W``, the order of ``--size``."""
    return f"{size[1]}×{size[0]}"


# ---- CSV --------------------------------------------------------------------------------


def from_csv(path: Path, shape: tuple[int, ...]) -> Samples:
    """Rows ``label,p0,p1,…`` with ``C·H·W`` numbers after the label, in C,H,W order; a first
    row that is not numbers (a header) is skipped; the numbers are taken as written."""
    if len(shape) == 2:
        shape = (1, *shape)
    if len(shape) != 3:
        raise InputError(f"--shape: must be CxHxW or HxW, got {'x'.join(map(str, shape))}")
    _check_file(path)
    need = math.prod(shape)
    inputs, labels = [], []
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for line, row in enumerate(csv.reader(handle), start=1):
                if not row or all(not cell.strip() for cell in row):
                    continue
                try:
                    values = [float(cell) for cell in row]
                except ValueError:
                    if line == 1:
                        continue  # a header
                    bad = next(c for c in row if not _is_number(c))
                    raise InputError(f"{path}: line {line}: {bad!r} is not a number") from None
                label, pixels = values[0], values[1:]
                if label != int(label):
                    raise InputError(f"{path}: line {line}: label {row[0]!r} is not an integer")
                if len(pixels) != need:
                    raise InputError(
                        f"{path}: line {line}: has {len(pixels)} numbers after the label; "
                        f"--shape {'x'.join(map(str, shape))} needs {need}"
                    )
                if not all(math.isfinite(v) for v in pixels):
                    raise InputError(f"{path}: line {line}: holds a non-finite number")
                inputs.append(pixels)
                labels.append(int(label))
                _check_count(len(labels), str(path))
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except csv.Error as exc:
        raise InputError(f"{path}: not CSV: {exc}") from None
    _check_count(len(labels), str(path))
    array = np.array(inputs, dtype=float).reshape(len(labels), *shape)
    return Samples(array, _check_labels(labels, str(path)), f"{len(labels)} rows of {path.name}")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# ---- numpy ------------------------------------------------------------------------------


def _load_npy(path: Path) -> Array:
    _check_file(path)
    try:
        array = np.load(path, allow_pickle=False)
    except ValueError as exc:
        message = "holds Python objects (not read)" if "pickle" in str(exc) else str(exc)
        raise InputError(f"{path}: {message}") from None
    except OSError as exc:
        raise InputError(f"{path}: not a .npy file: {exc}") from None
    if not isinstance(array, np.ndarray):
        raise InputError(f"{path}: not a single .npy array")
    if array.dtype.kind not in "biuf":
        raise InputError(f"{path}: holds {array.dtype} values, not numbers")
    result: Array = array.astype(float)
    return result


def from_npy(x_path: Path, y_path: Path) -> Samples:
    """``X.npy`` of shape N×C×H×W (or N×H×W: one channel) and ``Y.npy`` of N integer labels."""
    x = _load_npy(x_path)
    if x.ndim == 3:
        x = x[:, np.newaxis]
    if x.ndim != 4:
        raise InputError(f"{x_path}: has shape {x.shape}; needs N×C×H×W or N×H×W")
    _check_count(x.shape[0], str(x_path))
    if not np.isfinite(x).all():
        raise InputError(f"{x_path}: holds a non-finite number")
    y = _load_npy(y_path)
    if y.ndim != 1:
        raise InputError(f"{y_path}: has shape {y.shape}; needs one label per sample (N,)")
    if len(y) != len(x):
        raise InputError(f"{y_path}: {len(y)} labels for the {len(x)} samples of {x_path}")
    if not (np.isfinite(y).all() and (y == np.round(y)).all()):
        raise InputError(f"{y_path}: labels must be integers")
    labels = _check_labels([int(v) for v in y], str(y_path))
    return Samples(x, labels, f"{len(x)} samples of {x_path.name} and {y_path.name}")
