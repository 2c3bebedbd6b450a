"""``stepcnn exercise SCENARIO``: a skeleton of the graded functions for the learner to write.

Each function keeps the signature and docstring (shapes, the formula) of the generated
python-style code, with ``raise NotImplementedError`` as its body; the helpers stay whole.
"""

import ast

from stepcnn.codegen import kinds, losses, optim, prelude
from stepcnn.scenario.model import Scenario


def stubs(source: str) -> list[str]:
    """Each public function of ``source`` as a stub: its signature, docstring, and a raise."""
    out = []
    for node in ast.parse(source).body:
        if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
            continue
        if node.name == "sgd_momentum_update":
            continue
        args = ", ".join(a.arg for a in node.args.args)
        doc = ast.get_docstring(node, clean=False) or ""
        out.append(f'def {node.name}({args}):\n    """{doc}"""\n    raise NotImplementedError\n')
    return out


def order(scenario: Scenario) -> list[str]:
    """The scenario's layer kinds in network order, then the other kinds."""
    seen: list[str] = []
    for layer in scenario.layers:
        if layer.type not in seen:
            seen.append(layer.type)
    return seen + [n for n in kinds.names() if n not in seen]


def skeleton(scenario: Scenario, ref: str, file_name: str) -> str:
    parts = []
    for type_name in order(scenario):
        k = kinds.kind(type_name)
        if k.EXERCISE:
            parts += stubs(k.PYTHON)
    loss_names = [scenario.loss] + [n for n in losses.names() if n != scenario.loss]
    for name in loss_names:
        parts += stubs(losses.loss(name).PYTHON)
    parts += stubs(optim.PYTHON)
    head = f'''"""My CNN, by hand: the layer functions of a convolutional network, in plain Python.

Written by `stepcnn exercise {ref}`. Replace each `raise NotImplementedError` by your code, then
check it against the debugger's engine, on the real tensors of the scenario:

    stepcnn verify {file_name} {ref}

For each function you have written it prints `ok`, or the first wrong element (its index, the
expected and your value) and the step where the debugger computes it — open it with
`stepcnn {ref} --step K`. Delete a function, or leave it raising NotImplementedError, until
you get to it.

Tensors are nested lists of floats, batch first: x is [N][C][H][W], w [F][C][kh][kw], b [F];
stride, padding and kernel are pairs (h, w). Use the standard library only (`math`), or numpy
and `stepcnn verify --numpy` (the arguments are then numpy arrays).
"""

import math

# ---- helpers you may use ------------------------------------------------------------------
'''
    helpers = prelude.PYTHON.strip("\n") + "\n"
    body = "\n\n".join(parts)
    return head + "\n" + helpers + "\n\n# ---- the functions to write " + "-" * 62 + "\n\n\n" + body
