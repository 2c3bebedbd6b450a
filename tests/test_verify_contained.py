"""``stepcnn verify`` contains the learner's code: each promise of docs/verify.md tried with a
learner file that breaks it on purpose.

The learner's function is ``relu_forward`` wrapped around the correct one: it misbehaves,
prints what it saw, and answers (so the grading goes on). On a kernel without Landlock the
file-system, network and signal promises are not made: the report's note says so instead,
and that is what is checked there.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import write_scenario
from processes import alive
from test_verify import LESSON, correct_source, learner, line_of

from stepcnn.cli import main
from stepcnn.codegen.contain import landlock_abi

ABI = landlock_abi()


def wrapped(body: str) -> str:
    """The correct file, with ``relu_forward`` doing ``body`` first."""
    return correct_source() + (
        "\n\nimport os, sys, time\n\n_relu = relu_forward\n\n\ndef relu_forward(x):\n"
        + textwrap.indent(textwrap.dedent(body), "    ")
        + "\n    return _relu(x)\n"
    )


def grade(capsys, folder: Path, body: str, *options: str) -> tuple[int, str]:
    """Grade the wrapped file, written into ``folder`` (the learner's folder)."""
    folder.mkdir(exist_ok=True)
    lesson = str(write_scenario(folder, LESSON, "lesson.toml"))
    code = main(["verify", learner(folder, wrapped(body)), lesson, *options])
    return code, capsys.readouterr().out


def test_processes_the_learner_starts_are_all_gone_setsid_or_not(capsys, tmp_path) -> None:
    code, out = grade(
        capsys,
        tmp_path,
        """
        child = os.fork()
        if child == 0:  # stays in the learner's process group
            time.sleep(300)
            os._exit(0)
        r, w = os.pipe()
        middle = os.fork()
        if middle == 0:  # a daemon: its own session, its parent gone
            os.setsid()
            daemon = os.fork()
            if daemon == 0:
                time.sleep(300)
                os._exit(0)
            os.write(w, str(daemon).encode())
            os._exit(0)
        os.waitpid(middle, 0)
        print("PIDS", child, int(os.read(r, 64)), os.getpid())
        """,
    )
    assert code == 0, out
    pids = [int(p) for p in re.search(r"PIDS (\d+) (\d+) (\d+)", out).groups()]  # type: ignore[union-attr]
    assert line_of(out, "relu_forward").split()[1] == "ok"
    assert [pid for pid in pids if alive(pid)] == []  # at once: verify waited for them


def test_a_memory_hungry_function_is_reported_as_memory(capsys, tmp_path) -> None:
    code, out = grade(capsys, tmp_path, "buffer = bytearray(20 * 1024**3)")
    assert code == 1
    assert line_of(out, "relu_forward").endswith(
        "ran out of memory: it asked for more than the 2 GiB it may use (--memory) (layer 1 (relu))"
    )
    assert line_of(out, "relu_backward").split()[1] == "ok"  # the process lived on
    assert "1 over a limit" in out


def test_memory_growing_bit_by_bit_stops_at_the_memory_option(capsys, tmp_path) -> None:
    started = time.monotonic()
    code, out = grade(
        capsys,
        tmp_path,
        """
        chunks = []
        while True:
            chunks.append(bytearray(32 * 1024**2))
        """,
        "--memory",
        "512M",
    )
    assert code == 1 and time.monotonic() - started < 20
    assert "ran out of memory: it asked for more than the 512 MiB it may use" in out


def grader_peak_rss(tmp_path: Path, body: str) -> tuple[int, str]:
    """Run ``stepcnn verify`` in a process of its own; its own peak resident memory (KiB),
    not its children's, and what it printed."""
    lesson = write_scenario(tmp_path, LESSON, "lesson.toml")
    path = learner(tmp_path, wrapped(body))
    probe = (
        "import resource, sys\nfrom stepcnn.cli import main\n"
        f"code = main(['verify', {path!r}, {str(lesson)!r}])\n"
        "print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=False
    )
    peak = re.search(r"PEAK (\d+)", done.stdout)
    assert peak, done.stdout + done.stderr
    return int(peak.group(1)), done.stdout


def test_a_flood_of_output_does_not_grow_the_grader(tmp_path) -> None:
    baseline, _ = grader_peak_rss(tmp_path, "pass")
    flood = "line = 'x' * 999_999\nfor _ in range(400):\n    print(line)"
    peak, out = grader_peak_rss(tmp_path, flood)
    # LESSON has two ReLU layers: relu_forward is called twice, 400 MB each time.
    assert "(the end; 800,000,000 bytes in all):" in out  # every byte counted, the end shown
    assert peak - baseline < 40 * 1024, (baseline, peak)  # KiB: 1 MiB kept, not 400 MB


def test_the_learner_sees_a_clean_environment(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("STEPCNN_TEST_SECRET", "hunter2-in-the-environment")
    code, out = grade(
        capsys,
        tmp_path,
        f"""
        print("ENV", sorted(os.environ))
        print("VALUES", list(os.environ.values()))
        try:
            print("GRADER", open("/proc/{os.getpid()}/environ").read())
        except OSError as exc:
            print("GRADER", type(exc).__name__)
        """,
    )
    assert code == 0, out
    assert "hunter2" not in out
    names = re.search(r"ENV \[(.*)\]", out).group(1)  # type: ignore[union-attr]
    assert set(re.findall(r"'(\w+)'", names)) <= {
        "PATH",
        "LANG",
        "LC_ALL",
        "HOME",
        "TMPDIR",
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "LC_CTYPE",  # Python's own locale coercion may add it
    }
    if ABI:
        assert "GRADER PermissionError" in out  # the grader's environment, through /proc
    else:
        assert "read and write files outside its folder" in out


def test_files_outside_the_temporary_folder_are_out_of_reach(capsys, tmp_path) -> None:
    # The learner's own folder may be read (its helper modules), not written; a folder
    # beside it may not even be read.
    work, outside = tmp_path / "work", tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text("the answers\n", encoding="utf-8")
    code, out = grade(
        capsys,
        work,
        f"""
        for what, path in (("WRITE-OUT", {str(work / "planted.py")!r}),
                           ("WRITE-FAR", {str(outside / "planted.txt")!r})):
            try:
                with open(path, "w") as f:
                    f.write("planted")
                print(what, "done")
            except OSError as exc:
                print(what, type(exc).__name__)
        try:
            print("READ-FAR", open({str(secret)!r}).read())
        except OSError as exc:
            print("READ-FAR", type(exc).__name__)
        with open("inside.txt", "w") as f:  # its own folder: allowed
            f.write("scratch")
        print("CWD", os.getcwd(), open("inside.txt").read())
        """,
    )
    assert code == 0, out
    cwd = Path(re.search(r"CWD (\S+) scratch", out).group(1))  # type: ignore[union-attr]
    assert cwd.name.startswith("stepcnn-verify-") and cwd.parent != work
    assert not cwd.exists()  # removed after the run
    if ABI:
        assert "WRITE-OUT PermissionError" in out and "WRITE-FAR PermissionError" in out
        assert "READ-FAR PermissionError" in out and "the answers" not in out
        assert not (work / "planted.py").exists() and not (outside / "planted.txt").exists()
    else:
        assert "read and write files outside its folder" in out


def test_no_tcp_connection_and_no_signal_to_the_grader(capsys, tmp_path) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.1)
        port = server.getsockname()[1]
        code, out = grade(
            capsys,
            tmp_path,
            f"""
            import socket, signal
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=2)
                print("TCP connected")
            except OSError as exc:
                print("TCP", type(exc).__name__)
            for who, pid in (("REAPER", os.getppid()), ("GRADER", {os.getpid()})):
                try:
                    os.kill(pid, signal.SIGKILL if who == "REAPER" else 0)
                    print(who, "signalled")
                except OSError as exc:
                    print(who, type(exc).__name__)
            """,
        )
        with pytest.raises(TimeoutError):
            server.accept()
    assert code == 0, out
    if ABI >= 4:
        assert "TCP PermissionError" in out
    else:
        assert "open TCP connections" in out and "TCP connected" in out
    if ABI >= 6:
        assert "REAPER PermissionError" in out and "GRADER PermissionError" in out
    else:
        assert "signal your other processes" in out


def test_a_learner_ending_its_process_is_told_how(capsys, tmp_path) -> None:
    code, out = grade(capsys, tmp_path, "os._exit(3)")
    assert code == 1
    assert "ended the process (layer 1 (relu)): it exited with status 3" in line_of(
        out, "relu_forward"
    )
    assert line_of(out, "relu_backward").split()[1] == "ok"  # graded in a fresh process


def test_the_cpu_limit_kills_and_is_named(tmp_path) -> None:
    from stepcnn.codegen.runner import Limits, exit_reason

    here = Path(__file__).resolve().parent.parent / "stepcnn" / "codegen" / "contain.py"
    burn = (
        "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('c', {str(here)!r})\n"
        "c = importlib.util.module_from_spec(spec); spec.loader.exec_module(c)\n"
        "c.set_limits(2 * 1024**3, 1, 1024**2)\nwhile True:\n    pass\n"
    )
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", burn], timeout=30, check=False)
    assert done.returncode == -signal.SIGXCPU and time.monotonic() - started < 10
    reason = exit_reason(128 + signal.SIGXCPU, Limits(cpu=1))
    assert "more than the 1 s of CPU time it may use" in reason


def test_the_learners_process_group_is_its_own(capsys, tmp_path) -> None:
    code, out = grade(capsys, tmp_path, 'print("GROUPS", os.getpgrp(), os.getsid(0))')
    assert code == 0, out
    group, session = (int(v) for v in re.search(r"GROUPS (\d+) (\d+)", out).groups())  # type: ignore[union-attr]
    assert group != os.getpgrp() and session != os.getsid(0)
