"""`stepcnn code --style torch` against `stepcnn export` (part of `make parity`, not `make test`).

For every built-in scenario and random ones, the generated PyTorch script (torch.nn.Sequential
in float64, torch.optim.SGD / Adam / RMSprop, autograd; dropout with stepcnn's mask) is run
with --json in this interpreter, and its document
is compared with stepcnn's export: the same keys, shapes, samples and labels, every number
within rtol 1e-6 (atol 1e-9), as tests/torch_parity.py compares.
"""

import contextlib
import io
import json
import math
import runpy
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from codegen_cases import random_kinds_toml, random_toml  # noqa: E402

from stepcnn.codegen.script import script  # noqa: E402
from stepcnn.io.export import write_export  # noqa: E402
from stepcnn.scenario.builtin import names  # noqa: E402
from stepcnn.timeline.load import load_scenario, parse_scenario  # noqa: E402
from stepcnn.timeline.training import TrainingRun  # noqa: E402

RTOL, ATOL = 1e-6, 1e-9


def difference(expected, got, path="") -> str | None:
    if isinstance(expected, dict):
        if not isinstance(got, dict) or set(got) != set(expected):
            keys = sorted(got) if isinstance(got, dict) else got
            return f"{path}: keys {sorted(expected)} vs {keys}"
        for key in expected:
            found = difference(expected[key], got[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(expected, list) and expected and isinstance(expected[0], str):  # from
        return None if got == expected else f"{path}: {expected!r} vs {got!r}"
    if isinstance(expected, list) and expected and not isinstance(expected[0], dict):
        e, g = np.array(expected, dtype=float), np.array(got, dtype=float)
        if e.shape != g.shape:
            return f"{path}: shape {e.shape} vs {g.shape}"
        if not np.allclose(g, e, rtol=RTOL, atol=ATOL, equal_nan=True):
            bad = np.argwhere(~np.isclose(g, e, rtol=RTOL, atol=ATOL, equal_nan=True))[0]
            return f"{path}{list(bad)}: {e[tuple(bad)]!r} vs {g[tuple(bad)]!r}"
        return None
    if isinstance(expected, list):
        if not isinstance(got, list) or len(got) != len(expected):
            return f"{path}: {len(expected)} entries vs {got!r:.60}"
        for i, (a, b) in enumerate(zip(expected, got, strict=True)):
            found = difference(a, b, f"{path}[{i}]")
            if found:
                return found
        return None
    if isinstance(expected, float):
        same = math.isclose(expected, got, rel_tol=RTOL, abs_tol=ATOL) or (
            math.isnan(expected) and math.isnan(got)
        )
        return None if same else f"{path}: {expected!r} vs {got!r}"
    return None if expected == got else f"{path}: {expected!r} vs {got!r}"


def run_json(path: Path, argv: list[str]) -> dict:
    """Run a script as `python SCRIPT ARGV` would, in this process (torch is imported once)."""
    saved, out = sys.argv, io.StringIO()
    try:
        sys.argv = [str(path), *argv]
        with contextlib.redirect_stdout(out):
            runpy.run_path(str(path), run_name="__main__")
    finally:
        sys.argv = saved
    return json.loads(out.getvalue())


def check(scenario, iterations: int | None, folder: Path) -> int:
    buffer = io.StringIO()
    write_export(TrainingRun(scenario, iterations), buffer)
    expected = json.loads(buffer.getvalue())
    path = folder / f"{scenario.name}.py"
    path.write_text(script(scenario, "torch"), encoding="utf-8")
    argv = ["--json"] + ([] if iterations is None else ["--iterations", str(iterations)])
    found = difference(expected, run_json(path, argv))
    if found:
        raise AssertionError(f"{scenario.name}: torch script vs export: {found}")
    return len(expected["iterations"])


def check_momentum(scenario, folder: Path) -> int:
    """SGD with momentum and weight decay: the python and numpy styles against
    torch.optim.SGD, on built-in scenarios given the two settings here."""
    object.__setattr__(scenario, "momentum", 0.9)
    object.__setattr__(scenario, "weight_decay", 0.01)
    docs = {}
    for style in ("torch", "numpy", "python"):
        path = folder / f"{scenario.name}-momentum-{style}.py"
        path.write_text(script(scenario, style), encoding="utf-8")
        docs[style] = run_json(path, ["--json", "--iterations", "3"])
    for style in ("numpy", "python"):
        found = difference(docs["torch"], docs[style])
        if found:
            raise AssertionError(f"{scenario.name}: momentum, torch vs {style}: {found}")
    return 3


def main(count: int) -> None:
    iterations = 0
    optimizers: Counter = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in names():
            scenario = load_scenario(name)
            # The diverging scenario runs into inf/NaN, where two libraries part ways.
            iterations += check(scenario, 2 if name == "diverging" else 3, folder)
        for seed in range(count):
            scenario = parse_scenario(random_toml(seed), name=f"random-{seed}")
            iterations += check(scenario, None, folder)
        for seed in range(count):  # batchnorm2d, dropout, adaptive pooling, Adam, RMSprop
            scenario = parse_scenario(random_kinds_toml(seed), name=f"kinds-{seed}")
            optimizers[scenario.optimizer.name] += 1
            iterations += check(scenario, None, folder)
        for name in ("tour", "rgb-stride-padding", "digits"):
            iterations += check_momentum(load_scenario(name), folder)
    print(
        f"codegen parity: torch-style scripts of {len(names())} built-in and {count} random "
        f"scenarios, and {count} with the kinds of issue 20 ({dict(sorted(optimizers.items()))}), "
        f"equal `stepcnn export`; with momentum 0.9 and weight decay 0.01 the python "
        f"and numpy styles equal torch.optim.SGD ({iterations} iterations, rtol {RTOL:g})"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
