"""The process ``stepcnn verify`` runs the learner's file in (standalone: imports no stepcnn).

Protocol, one JSON object per line: the first line read names the file (and ``numpy``); the
answer says whether it imported and which functions it defines. Then each line read is a call
(``name``, ``args``), each answer a result or the learner's own traceback. The learner's prints
go to stderr so that they cannot break the protocol on stdout.
"""

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


def main() -> None:
    proto = os.fdopen(os.dup(1), "w", encoding="utf-8")
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    os.dup2(2, 1)  # print() in the learner's code goes to stderr
    sys.stdout = sys.stderr
    quiet = os.open(os.devnull, os.O_RDONLY)
    os.dup2(quiet, 0)  # input() in the learner's code reads nothing, not the requests
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - for the whole process

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
        send({"error": "raised", "traceback": learner_traceback(exc)})
        return
    names = [n for n, v in vars(module).items() if callable(v) and not n.startswith("_")]
    send({"functions": names})
    for line in requests:
        request = json.loads(line)
        fn = getattr(module, request["name"])
        try:
            result = fn(*(argument(a, numpy) for a in request["args"]))
        except NotImplementedError as exc:
            send({"error": "todo", "traceback": learner_traceback(exc)})
            continue
        except BaseException as exc:
            send({"error": "raised", "traceback": learner_traceback(exc)})
            continue
        try:
            send({"result": plain(result, numpy)})
        except (TypeError, ValueError) as exc:
            send({"error": "type", "message": str(exc)})


if __name__ == "__main__":
    main()
