"""The process ``stepcnn verify`` runs the learner's file in (standalone: it imports no stepcnn
module; :mod:`.contain`, beside it, is loaded by its path).

Started as ``python -I -B -u verify_child.py CONFIG`` (CONFIG a JSON object: the protocol's two
file descriptors, the limits, the learner's folder) in a session of its own, in a fresh
temporary folder, with a clean environment and stdin from ``/dev/null``; what the learner's
code prints goes to stdout and stderr, which the grader reads through a bounded buffer. The
process forks: the parent reaps (:func:`contain.reap`), the child contains itself and serves.

Protocol, one JSON object per line on the two descriptors: the first line read names the
file (and ``numpy``); the answer says whether it imported, which functions it defines and
how the process is contained. Then each line read is a call (``name``, ``args``), each answer
a result, the learner's own traceback, or the limit it ran into (``memory``, ``file size``).
"""

import contextlib
import errno
import importlib.util
import json
import os
import sys
import traceback
from typing import Any

LEARNER = [""]  # the learner's file, once known


def learner_traceback(exc: BaseException) -> str:
    """The traceback from the learner's code on: this file's and importlib's frames are left
    out (everything before the first frame in the learner's file)."""
    stack = list(traceback.extract_tb(exc.__traceback__))
    mine = [i for i, f in enumerate(stack) if os.path.abspath(f.filename) == LEARNER[0]]
    frames = stack[mine[0] :] if mine else []
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.format_list(frames) + traceback.format_exception_only(type(exc), exc)
    return "".join(lines)


def failure(exc: BaseException, kind: str = "raised") -> dict[str, Any]:
    """The answer for an exception: a limit reached is named as such."""
    if isinstance(exc, MemoryError):
        kind = "memory"
    elif isinstance(exc, OSError) and exc.errno == errno.EFBIG:
        kind = "file size"
    return {"error": kind, "traceback": learner_traceback(exc)}


def plain(value: Any, numpy: Any) -> Any:
    """A result as JSON data: tuples and arrays become lists, numpy numbers floats."""
    if hasattr(value, "tolist") and not isinstance(value, list | tuple):  # numpy arrays, scalars
        return plain(value.tolist(), numpy)
    if isinstance(value, list | tuple):
        return [plain(v, numpy) for v in value]
    if isinstance(value, bool):
        raise TypeError(f"returned {value!r}, a bool, where a number was expected")
    if isinstance(value, int | float):
        return value
    raise TypeError(f"returned a {type(value).__name__} where numbers were expected")


def argument(arg: Any, numpy: Any) -> Any:
    kind, value = arg
    if kind == "pair":
        return tuple(value)
    if numpy is not None and kind == "tensors":  # (an add's inputs: a list of tensors)
        return [numpy.array(v, dtype=float) for v in value]
    if numpy is not None and kind in ("tensor", "labels"):
        return numpy.array(value, dtype=float if kind == "tensor" else numpy.int64)
    return value


def load_contain() -> Any:
    here = os.path.dirname(os.path.abspath(__file__))
    spec: Any = importlib.util.spec_from_file_location(
        "stepcnn_contain", os.path.join(here, "contain.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def contain_myself(config: dict[str, Any]) -> dict[str, Any]:
    """Fork the reaper off (it never returns), then limit and Landlock this process."""
    contain = load_contain()
    if hasattr(os, "fork"):
        reaping = contain.become_subreaper()
        worker = os.fork()
        if worker:
            for fd in (config["requests"], config["answers"]):
                os.close(fd)  # the worker's end is the end of the protocol for the grader
            with contextlib.suppress(OSError):  # (it may have done so itself already)
                os.setpgid(worker, worker)
            os._exit(contain.reap(worker))
        os.setpgid(0, 0)
    else:
        reaping = False
    contain.set_limits(config["memory"], config["cpu"], config["file_bytes"])
    contained: dict[str, Any] = {"reaper": reaping, "landlock": 0}
    try:
        contained["landlock"] = contain.restrict(
            contain.read_roots([config["folder"]]), [os.getcwd()]
        )
    except OSError as exc:
        contained["landlock_error"] = str(exc)
    return contained


def main(argv: list[str]) -> None:
    config = json.loads(argv[0])
    contained = contain_myself(config)
    requests = os.fdopen(config["requests"], "r", encoding="utf-8")
    proto = os.fdopen(config["answers"], "w", encoding="utf-8")

    def send(obj: Any) -> None:
        proto.write(json.dumps(obj) + "\n")
        proto.flush()

    hello = json.loads(requests.readline())
    path = hello["file"]
    LEARNER[0] = os.path.abspath(path)
    numpy: Any = None
    if hello["numpy"]:
        numpy = importlib.import_module("numpy")
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        spec: Any = importlib.util.spec_from_file_location("learner", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        send({"error": "syntax", "line": exc.lineno, "text": exc.text, "message": exc.msg})
        return
    except BaseException as exc:  # whatever the learner's module raises
        send(failure(exc))
        return
    names = [n for n, v in vars(module).items() if callable(v) and not n.startswith("_")]
    send({"functions": names, "contained": contained})
    for line in requests:
        request = json.loads(line)
        fn = getattr(module, request["name"])
        try:
            result = fn(*(argument(a, numpy) for a in request["args"]))
        except NotImplementedError as exc:
            send(failure(exc, "todo"))
            continue
        except BaseException as exc:
            send(failure(exc))
            continue
        try:
            send({"result": plain(result, numpy)})
        except (TypeError, ValueError) as exc:
            send({"error": "type", "message": str(exc)})
        except MemoryError as exc:
            send(failure(exc))


if __name__ == "__main__":
    main(sys.argv[1:])
