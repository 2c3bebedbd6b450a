"""Hostile and broken input, one test per fault.

A scenario file is data: it cannot run code, make stepcnn open other files, block it, or make it
allocate without bound, and every fault is one line per problem with exit status 2.
"""

import builtins
import io
import os
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import write_scenario

import stepcnn.scenario.loader as loader
from stepcnn.cli import main
from stepcnn.scenario import ScenarioError
from stepcnn.scenario.builtin import find
from stepcnn.scenario.placeholders import fill
from stepcnn.timeline.load import load_file, load_scenario, parse_scenario

# A valid scenario: 1×3×3 → conv2d(1, 2×2) → 1×2×2 → flatten → 4 → linear → 2 classes.
SMALL = """\
title = {title}
description = {description}
credit = {credit}
learning_rate = 0.1
loss = "cross_entropy"
iterations = {iterations}
batch_size = {batch_size}
{extra}
[[samples]]
input = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
label = 1

[[layers]]
type = "conv2d"
out_channels = {out_channels}
kernel_size = 2

[[layers]]
type = "flatten"

[[layers]]
type = "linear"
out_features = 2
{tail}
"""


def small(**fields: Any) -> str:
    values: dict[str, Any] = {
        "title": '"small"',
        "description": '""',
        "credit": '""',
        "iterations": 1,
        "batch_size": 1,
        "out_channels": 1,
        "extra": "",
        "tail": "",
    }
    values.update(fields)
    return SMALL.format(**values)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code: int, out: str, err: str, *words: str) -> str:
    assert (code, out) == (2, ""), (code, out, err)
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@contextmanager
def budget(seconds: float = 10.0, mebibytes: float = 20) -> Iterator[None]:
    """The block must finish within ``seconds`` and allocate at most ``mebibytes`` at peak.

    The memory bound is the property; the time bound only catches a loader that hangs or goes
    quadratic (generous: tracemalloc makes a load several times slower on a busy machine)."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < seconds, f"took {elapsed:.2f} s"
    assert peak < mebibytes * 2**20, f"allocated {peak / 2**20:.1f} MiB at peak"


# ---- memory: refused from the shapes, before anything is allocated -------------------------


def test_an_iteration_over_the_memory_budget_is_refused_before_allocating(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A batch of 10,000 through 250 maps of 2×2: each tensor just within the limit of
    # 10,000,000 numbers, but one iteration holds several of them: about 400 MiB.
    text = small(iterations=100_000, batch_size=10_000, out_channels=250)
    path = write_scenario(tmp_path, text, "history.toml")
    with budget(), pytest.raises(ScenarioError) as info:
        load_file(path, "history.toml")
    ((where, message),) = [(p.path, p.message) for p in info.value.problems]
    assert where == "batch_size" and "MiB" in message and "smaller batch" in message
    for command in ("check", "export", "trace"):
        with budget():
            line = one_line_error(*run(capsys, command, str(path)), "MiB")
        assert line.startswith(f"{path}: batch_size: ")


def test_a_convolution_patch_matrix_over_the_limit_names_the_layer(tmp_path: Path) -> None:
    # A 30×30 image, 9×9 kernel with padding 4, batch 1,000: the output has 900,000 numbers
    # (fine) but the patch matrix 900,000·81 = 72,900,000 (over 50,000,000).
    row = "[" + ", ".join(["1"] * 30) + "]"
    image = "[" + ", ".join([row] * 30) + "]"
    text = (
        'title = "patches"\nlearning_rate = 0.1\nloss = "mse"\nbatch_size = 1000\n'
        f"[[samples]]\ninput = {image}\ntarget = {image}\n"
        '[[layers]]\ntype = "conv2d"\nout_channels = 1\nkernel_size = 9\npadding = 4\n'
    )
    path = write_scenario(tmp_path, text, "patches.toml")
    with budget(), pytest.raises(ScenarioError) as info:
        load_file(path, "patches.toml")
    ((where, message),) = [(p.path, p.message) for p in info.value.problems]
    assert where == "layers[0]" and "patch matrix" in message and "72,900,000" in message


def test_a_batch_of_inputs_over_the_limit_is_refused_before_allocating(tmp_path: Path) -> None:
    # A 20 KB file: one 100×100 image, a batch of 10,000 copies (100,000,000 numbers, 800 MB,
    # and as much again for its gradient), pooled at once down to a single number per sample
    # so that no layer output is large.
    row = "[" + ", ".join(["1"] * 100) + "]"
    text = (
        'title = "wide"\nlearning_rate = 0.1\nloss = "cross_entropy"\nbatch_size = 10000\n'
        f"[[samples]]\ninput = [{', '.join([row] * 100)}]\nlabel = 0\n"
        '[[layers]]\ntype = "maxpool2d"\nkernel_size = 100\n'
        '[[layers]]\ntype = "flatten"\n[[layers]]\ntype = "linear"\nout_features = 2\n'
    )
    path = write_scenario(tmp_path, text, "wide.toml")
    with budget(), pytest.raises(ScenarioError) as info:
        load_file(path, "wide.toml")
    ((where, message),) = [(p.path, p.message) for p in info.value.problems]
    assert where == "batch_size" and "100,000,000 numbers" in message


def test_an_iteration_over_the_memory_budget_is_refused_before_training(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # 10,000 samples × 240 maps of 2×2: 9.6 M numbers per activation (under the tensor limit),
    # about 300 MiB for one iteration's tensors (over the 256 MiB an iteration may hold).
    path = write_scenario(tmp_path, small(batch_size=10_000, out_channels=240), "big.toml")
    for command in ("check", "export", "trace"):
        with budget():
            line = one_line_error(*run(capsys, command, str(path)), "MiB")
        assert "batch_size" in line and "one iteration" in line


def test_the_iteration_count_does_not_count_against_memory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Training keeps checkpoints and a few recent iterations: a long run is no bigger.
    path = write_scenario(tmp_path, small(batch_size=100, out_channels=8), "long.toml")
    code, out, err = run(capsys, "trace", str(path), "-n", "100000", "--count", "3")
    assert (code, err) == (0, "") and len(out.splitlines()) == 3


# ---- the command line: usage errors ---------------------------------------------------------


@pytest.mark.parametrize("command", ["list", "export", "trace", "new"])
def test_unknown_option_of_each_command_is_one_line(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    # (check and the bare command are covered in test_cli.)
    argv = [command] if command in ("list", "new") else [command, "tour"]
    if command == "new":
        argv.append("lesson")
    line = one_line_error(*run(capsys, *argv, "--frobnicate"), "--frobnicate")
    assert line.startswith(f"stepcnn {command}: ") and f"stepcnn {command} --help" in line


@pytest.mark.parametrize(
    ("argv", "typo", "command"),
    [
        (["chekc", "tour"], "chekc", "check"),
        (["exprot", "tour", "-n", "1"], "exprot", "export"),
        (["trac"], "trac", "trace"),
        (["lsit"], "lsit", "list"),
    ],
)
def test_a_mistyped_command_is_named_as_a_command(
    capsys: pytest.CaptureFixture[str], argv: list[str], typo: str, command: str
) -> None:
    # Not "unrecognized arguments: tour", nor a missing scenario called "chekc".
    line = one_line_error(*run(capsys, *argv))
    assert line.startswith(f'stepcnn: unknown command "{typo}"; did you mean "{command}"?')


def test_a_file_named_like_a_command_is_still_opened(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_scenario(tmp_path, small(title='"the chekc file"'), "chekc")
    code, out, err = run(capsys, "check", "chekc")
    assert (code, err) == (0, "") and "the chekc file" in out
    # Without "check" it is the TUI's SCENARIO: it must not be taken for a mistyped command.
    opened: list[str] = []
    monkeypatch.setattr("stepcnn.cli.debug.run", lambda args: opened.append(args.scenario))
    main(["chekc"])
    assert opened == ["chekc"]


# ---- security: a scenario is data ----------------------------------------------------------

CODE = "{__import__('os').system('touch PWNED')}"


@contextmanager
def calls_recorded(names: list[tuple[Any, str]]) -> Iterator[list[str]]:
    """Record each call of the given functions whose arguments mention PWNED."""
    seen: list[str] = []
    originals = [(owner, name, getattr(owner, name)) for owner, name in names]

    def spy(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if "PWNED" in repr(args) + repr(kwargs):
                seen.append(f"{name}{args!r}")
                raise AssertionError(f"scenario text reached {name}")
            return real(*args, **kwargs)

        return wrapper

    for owner, name, real in originals:
        setattr(owner, name, spy(name, real))
    try:
        yield seen
    finally:
        for owner, name, real in originals:
            setattr(owner, name, real)


def test_strings_that_look_like_code_are_never_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = small(
        title=f'"{CODE}"',
        description="\"$(touch PWNED) `touch PWNED` __import__('os').system('touch PWNED')\"",
        credit="\"{{__import__('subprocess').run(['touch', 'PWNED'])}} %(PWNED)s ${PWNED}\"",
        tail="[narration]\nintro = \"literal {{__import__('os').system('touch PWNED')}}\"\n",
    )
    path = write_scenario(tmp_path, text, "code.toml")
    scenario = load_file(path)
    assert scenario.title == CODE  # kept verbatim, never formatted or evaluated
    assert fill(scenario.narration.intro, {}) == "literal {__import__('os').system('touch PWNED')}"
    spied = [(builtins, "eval"), (builtins, "exec"), (builtins, "compile"), (os, "system")]
    spied += [(os, "popen"), (subprocess, "Popen")]
    with calls_recorded(spied) as seen:
        code, out, _ = run(capsys, "check", "code.toml")
        assert code == 0 and f"code.toml: {CODE}" in out.splitlines()
        assert run(capsys, "export", "code.toml")[0] == 0
        assert run(capsys, "trace", "code.toml", "--format", "text")[0] == 0
    assert seen == []
    assert not (tmp_path / "PWNED").exists() and not Path("PWNED").exists()


@pytest.mark.parametrize(
    "placeholder",
    [
        "{value.__class__}",
        "{value.__class__.__init__.__globals__}",
        "{lr.__class__.__mro__[1].__subclasses__}",
        "{samples[0].__class__}",
        "{value!r}",
        "{value:{__import__('os').system('touch PWNED')}}",
        CODE,
    ],
)
def test_placeholders_that_reach_into_objects_are_refused(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    placeholder: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    escaped = placeholder.replace("\\", "\\\\").replace('"', '\\"')
    tail = f'[narration.ops]\nrelu = "{escaped}"\n[[narration.at]]\ntext = "{escaped}"\n'
    write_scenario(tmp_path, small(tail=tail), "p.toml")
    code, out, err = run(capsys, "check", "p.toml")
    assert (code, out) == (2, "")
    assert [line.split(": ")[1] for line in err.splitlines()] == [
        "narration.ops.relu",
        "narration.at[0].text",
    ]
    assert not (tmp_path / "PWNED").exists()


OPENERS = [
    (builtins, "open"),
    (io, "open"),
    (Path, "open"),
    (Path, "read_bytes"),
    (Path, "read_text"),
    (os, "open"),
]


@contextmanager
def opened_files(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[Path]]:
    """Every file opened through open(), io.open, Path.open/read_*, os.open meanwhile."""
    seen: set[Path] = set()

    def spy(real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            target = args[0] if args else kwargs.get("file", kwargs.get("path"))
            if isinstance(target, str | bytes | os.PathLike):
                seen.add(Path(os.fsdecode(target)).resolve())
            return real(*args, **kwargs)

        return wrapper

    with monkeypatch.context() as patch:
        for owner, name in OPENERS:
            patch.setattr(owner, name, spy(getattr(owner, name)))
        yield seen


PATHLIKE = small(
    title='"../../secret"',
    description='"/etc/passwd"',
    credit='"file:///etc/shadow"',
    tail='[narration]\nintro = "~/.ssh/id_rsa and C:\\\\Windows\\\\win.ini and tour"\n',
)


def test_loading_a_scenario_opens_only_that_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = write_scenario(tmp_path, PATHLIKE, "paths.toml").resolve()
    for argv in (["check", "paths.toml"], ["export", "paths.toml"], ["trace", "paths.toml"]):
        assert run(capsys, *argv)[0] == 0  # warm up: later imports must not count
    with opened_files(monkeypatch) as seen:
        assert load_scenario("paths.toml").title == "../../secret"
        assert seen == {path}
        for argv in (["check", "paths.toml"], ["export", "paths.toml"], ["trace", "paths.toml"]):
            assert run(capsys, *argv)[0] == 0
            assert seen == {path}, argv


def test_a_broken_scenario_with_paths_for_values_opens_only_that_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = (
        'title = "x"\nlearning_rate = 0.1\nloss = "cross_entropy"\n'
        '[[samples]]\ninput = "/etc/passwd"\nlabel = "file:///etc/shadow"\n'
        '[[layers]]\ntype = "/etc/hosts"\nweight = "../../secret.npy"\n'
    )
    path = write_scenario(tmp_path, text, "broken.toml").resolve()
    with opened_files(monkeypatch) as seen:
        code, _, err = run(capsys, "check", "broken.toml")
    assert code == 2 and seen == {path}
    assert "samples[0].input: must be a nested list of numbers" in err


def test_loading_a_builtin_by_name_opens_only_its_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = find("tour")
    assert expected is not None
    with opened_files(monkeypatch) as seen:
        load_scenario("tour")
    assert seen == {expected.resolve()}


# ---- files that are not plain scenario files -----------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_named_pipe_is_refused_instead_of_blocking(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    result: list[tuple[int, str, str]] = []
    worker = threading.Thread(target=lambda: result.append(run(capsys, "check", str(fifo))))
    worker.daemon = True
    worker.start()
    worker.join(timeout=10)
    if worker.is_alive():  # blocked in open(): give it a writer so the thread can end
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        worker.join(timeout=10)
        pytest.fail("opening a named pipe blocked")
    line = one_line_error(*result[0], "is not a regular file")
    assert line.startswith(f"{fifo}: ")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_named_pipe_in_a_real_process_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.toml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    result = subprocess.run(
        [sys.executable, "-m", "stepcnn", "check", "pipe.toml"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,  # raises (fails) instead of hanging the suite
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "pipe.toml: is not a regular file (a pipe, socket or device); "
        "a scenario must be a regular file of at most 16 MiB"
    ]


def test_a_file_deleted_between_resolve_and_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_scenario(tmp_path, small(), "gone.toml")
    real_resolve = loader.resolve

    def resolve_then_delete(ref: str) -> tuple[Path, str]:
        found = real_resolve(ref)
        found[0].unlink()
        return found

    monkeypatch.setattr(loader, "resolve", resolve_then_delete)
    line = one_line_error(*run(capsys, "check", str(path)))
    assert line == f"{path}: file not found"


def test_a_file_deleted_between_its_check_and_its_opening(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_scenario(tmp_path, small(), "gone.toml")
    real_open = Path.open

    def delete_then_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == path:
            self.unlink()
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", delete_then_open)
    with pytest.raises(ScenarioError) as info:
        load_file(path, "gone.toml")
    assert info.value.lines() == ["gone.toml: file not found"]


def test_a_utf8_byte_order_mark_is_accepted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Windows editors write one; tomllib refuses it, so the loader drops it.
    plain = load_file(write_scenario(tmp_path, small(title='"café"'), "plain.toml"))
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + small(title='"café"').encode("utf-8"))
    with_bom = load_file(path)
    assert with_bom.title == plain.title == "café"
    assert with_bom.layers == plain.layers
    code, out, err = run(capsys, "check", str(path))
    assert (code, err) == (0, "") and out.splitlines()[-1] == "ok"


def test_a_byte_order_mark_elsewhere_is_a_toml_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(small().encode("utf-8").replace(b"\nloss", b"\n\xef\xbb\xbfloss"))
    one_line_error(*run(capsys, "check", str(path)), f"{path}: invalid TOML: ")


@pytest.mark.parametrize(
    "content",
    [
        b'title = "a\x00b"\n',
        b"title = 'x'\x00\n",
        b"\x00" * 100,
        b"\x00title = 'x'\n",
    ],
)
def test_nul_bytes_in_a_file_are_one_toml_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "nul.toml"
    path.write_bytes(content)
    line = one_line_error(*run(capsys, "check", str(path)), f"{path}: invalid TOML: ")
    assert "\x00" not in line


def test_a_nul_byte_in_the_file_name_is_a_scenario_error() -> None:
    # (A command line cannot hold one, but load_scenario is also an API.)
    for name in ("a\x00b.toml", "dir/a\x00b", "\x00"):
        with pytest.raises(ScenarioError) as info:
            load_scenario(name)
        (problem,) = info.value.problems
        assert problem.path == "" and problem.message


def test_crlf_line_endings_load_like_lf(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for name in ("tour", "hand-computable"):
        builtin = find(name)
        assert builtin is not None
        text = builtin.read_text(encoding="utf-8")
        assert "\r" not in text
        path = tmp_path / f"{name}-crlf.toml"
        path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
        lf, crlf = load_scenario(name), load_file(path)
        assert (crlf.title, crlf.description, crlf.narration) == (
            lf.title,
            lf.description,
            lf.narration,
        )
        assert (crlf.inputs == lf.inputs).all() and crlf.layers == lf.layers
        code, _, err = run(capsys, "check", str(path))
        assert (code, err) == (0, "")


def test_lone_carriage_returns_are_one_toml_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "cr.toml"
    path.write_bytes(small().replace("\n", "\r").encode("utf-8"))
    one_line_error(*run(capsys, "check", str(path)), "invalid TOML")


# ---- text that would reach the terminal or the allocator -----------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", '"\\u001b]0;owned\\u0007"'),
        ("description", '"red \\u001b[31m text"'),
        ("credit", '"\\u009b2J"'),
        ("title", '"carriage\\rreturn"'),
    ],
)
def test_terminal_control_characters_in_text_are_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, field: str, value: str
) -> None:
    # `stepcnn check` prints the title and credit: an escape sequence would restyle, retitle or
    # clear the teacher's terminal.
    path = write_scenario(tmp_path, small(**{field: value}), "esc.toml")
    line = one_line_error(*run(capsys, "check", str(path)), f"{field}: may not contain control")
    assert line.isprintable()


def test_terminal_control_characters_in_narration_are_refused(tmp_path: Path) -> None:
    text = small(tail='[narration]\nintro = "\\u001b[2J"\n[narration.ops]\nrelu = "\\u0007"\n')
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "n.toml")
    assert [p.path for p in info.value.problems] == ["narration.intro", "narration.ops.relu"]
    assert all("control characters" in p.message for p in info.value.problems)


def test_newlines_and_tabs_in_text_are_fine() -> None:
    text = small(description='"two\\nlines\\tand a tab"', tail='[narration]\nintro = "a\\nb"\n')
    assert parse_scenario(text).description == "two\nlines\tand a tab"


@pytest.mark.parametrize(
    "spec",
    ["2147483647", ".2147483647f", "0>999999999", "9" * 5000],
    ids=["width", "precision", "fill-and-width", "5000-digits"],
)
def test_a_huge_format_width_is_refused_before_formatting(spec: str) -> None:
    # format(1.5, "2147483647") builds a 2 GiB string: the check must not try it.
    text = small(tail=f'[narration]\nintro = "{{value:{spec}}}"\n')
    with budget(), pytest.raises(ScenarioError) as info:
        parse_scenario(text, "w.toml")
    ((where, message),) = [(p.path, p.message) for p in info.value.problems]
    assert where == "narration.intro" and "width or precision over 100" in message


def test_a_float_format_on_an_integer_placeholder_fills_in() -> None:
    # "{step:.3}" is accepted at load (valid for floats), and step is an int.
    text = small(tail='[narration]\nintro = "step {step:.3} of {steps:.1f}"\n')
    intro = parse_scenario(text).narration.intro
    assert fill(intro, {"step": 3, "steps": 12}) == "step 3.0 of 12.0"


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ('"bad\\nkey"', '"bad\\nkey"'),
        ('"esc\\u001b[2J"', '"esc\\x1b[2J"'),
        ('""', '""'),
        ('"with space"', '"with space"'),
        ('"a: b"', '"a: b"'),
        ("x" * 500, '"' + "x" * 37 + '..."'),
    ],
    ids=["newline", "escape", "empty", "space", "colon", "500-chars"],
)
def test_unknown_keys_are_shown_on_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, key: str, shown: str
) -> None:
    path = write_scenario(tmp_path, small(extra=f"{key} = 1"), "k.toml")
    line = one_line_error(*run(capsys, "check", str(path)))
    assert line == f"{path}: {shown}: unknown key"


def test_samples_that_are_not_tables_are_not_also_called_missing() -> None:
    text = small().replace("[[samples]]\n", "samples = [1, 2]\n[[unused]]\n")
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "s.toml")
    found = [(p.path, p.message) for p in info.value.problems]
    assert ("samples[0]", "must be a table, got 1") in found
    assert ("samples[1]", "must be a table, got 2") in found
    assert not any("at least one" in message for _, message in found), found


BROKEN = {
    "missing": None,
    "syntax": 'title = "t"\nlearning_rate = = 1\n',
    "wrong type": small().replace("learning_rate = 0.1", 'learning_rate = "fast"'),
    "unknown layer": small().replace('type = "flatten"', 'type = "flaten"'),
}
WORDS = {
    "missing": "file not found",
    "syntax": "invalid TOML",
    "wrong type": "learning_rate: must be a number",
    "unknown layer": "layers[1].type: must be one of",
}


@pytest.mark.parametrize("fault", list(BROKEN))
@pytest.mark.parametrize(
    "command",
    [
        ["lesson.toml"],
        ["lesson.toml", "--step", "2"],
        ["check", "lesson.toml"],
        ["export", "lesson.toml"],
        ["trace", "lesson.toml", "--from", "3"],
        ["matrix", "lesson.toml", "--layer", "0"],
        ["code", "lesson.toml"],
        ["exercise", "lesson.toml"],
        ["figure", "lesson.toml", "--step", "1", "-o", "x.svg"],
        ["serve", "lesson.toml"],
        ["verify", "mine.py", "lesson.toml"],
    ],
)
def test_every_command_reports_a_broken_scenario_in_one_line(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
    fault: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.py").write_text("", encoding="utf-8")
    text = BROKEN[fault]
    if text is not None:
        write_scenario(tmp_path, text, "lesson.toml")
    assert main(command) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    assert err.startswith("lesson.toml: ") and err.count("\n") == 1, err
    assert WORDS[fault] in err, err
    assert not (tmp_path / "x.svg").exists()
