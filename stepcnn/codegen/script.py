"""``stepcnn code``: a standalone training script for a scenario, in the python or numpy style.

The script holds the scenario's data and exact initial parameters, the layer functions (the
loops the debugger steps through), and a training loop written out layer by layer. Run it to
print each iteration's loss; ``--json`` prints the document ``stepcnn export`` prints.
"""

from stepcnn.codegen import kinds, losses, optim, prelude
from stepcnn.codegen.sections import MAIN, data_section, momentum_of
from stepcnn.engine.graph import INPUT
from stepcnn.engine.network import reads_many
from stepcnn.io.export import targets_key
from stepcnn.scenario.model import Scenario

STYLES = ("python", "numpy", "torch")


def _functions(scenario: Scenario, style: str) -> str:
    source = "PYTHON" if style == "python" else "NUMPY"
    parts = [prelude.PYTHON] if style == "python" else []
    seen: list[str] = []
    for layer in scenario.layers:
        if layer.type not in seen:
            seen.append(layer.type)
            parts.append(getattr(kinds.kind(layer.type), source))
    parts.append(getattr(losses.loss(scenario.loss), source))
    parts.append(getattr(optim, source))
    extra = optim.EXTRA.get((scenario.optimizer.name, style))
    if extra is not None:
        parts.append(extra)
    if scenario.graph is not None and scenario.graph.forks:
        parts.append(FORK[style])
    return "\n".join(p.strip("\n") + "\n\n" for p in parts)


def _reads(scenario: Scenario, i: int) -> str:
    """The tensors layer ``i`` reads: ``a<j + 1>`` for the output of layer j (``a0``: the
    batch); a list of them for an add."""
    sources = [f"a{j + 1}" for j in scenario.topology.inputs[i]]
    return (
        sources[0]
        if len(sources) == 1 and not reads_many(scenario.layers[i])
        else ("[" + ", ".join(sources) + "]")
    )


def _call(scenario: Scenario, i: int, direction: str) -> str:
    layer = scenario.layers[i]
    k = kinds.kind(layer.type)
    geometry = "".join(f", {g!r}" for g in k.geometry(layer))
    if kinds.draws_mask(layer.type):  # dropout: the iteration's mask, drawn before the forward
        geometry += f", mask{i}"
    x = _reads(scenario, i)
    if direction == "forward":
        params = f", weights[{i}], biases[{i}]" if k.HAS_PARAMS else ""
        return f"{layer.type}_forward({x}{params}{geometry})"
    params = f", weights[{i}]" if k.HAS_PARAMS else ""
    return f"{layer.type}_backward(g{i + 1}, {x}{params}{geometry})"


def _train(scenario: Scenario, style: str) -> str:
    n = len(scenario.layers)
    loss = losses.loss(scenario.loss)
    momentum, decay = momentum_of(scenario)
    adaptive = scenario.optimizer.name in ("adam", "rmsprop")
    plain = momentum == 0 and decay == 0 and not adaptive
    key = targets_key(scenario)
    take = "INPUTS[samples]" if style == "numpy" else "[INPUTS[s] for s in samples]"
    targets = (
        "[LABELS[s] for s in samples]"
        if key == "labels"
        else ("TARGETS[samples]" if style == "numpy" else "[TARGETS[s] for s in samples]")
    )
    body = [
        "def train(iterations, emit):",
        '    """Train; hand each iteration\'s record to emit (the export\'s iteration object)."""',
        "    weights, biases = list(WEIGHTS), list(BIASES)",
        f"    velocity_w, velocity_b = [None] * {n}, [None] * {n}",
        *([f"    state_w, state_b = [None] * {n}, [None] * {n}"] if adaptive else []),
        *(
            [f"    buffers = [None] * {n}  # running statistics"]
            if any(hasattr(kinds.kind(layer.type), "buffers_call") for layer in scenario.layers)
            else []
        ),
        "    for it in range(iterations):",
        "        samples = [(it * BATCH_SIZE + j) % len(INPUTS) for j in range(BATCH_SIZE)]",
        f"        a0 = {take}",
        f"        {key} = {targets}",
        "        # ---- forward: layer by layer ----",
    ]
    for i, layer in enumerate(scenario.layers):
        k = kinds.kind(layer.type)
        if hasattr(k, "mask_call"):
            body.append(f"        {k.mask_call(layer, i, _reads(scenario, i))}")
        body.append(
            f"        a{i + 1} = {_call(scenario, i, 'forward')}  # layer {i}: {layer.type}"
        )
        if hasattr(k, "buffers_call"):
            body.append(f"        {k.buffers_call(layer, i, _reads(scenario, i))}")
    body.append(f"        # ---- the loss: {scenario.loss} ----")
    body.append(f"        loss, g{n} = {loss.FUNCTION}(a{n}, {key})")
    body.append("        # ---- backward: in reverse; g<i> is dL/d(a<i>) ----")
    grads: dict[int, tuple[str, str]] = {}
    if scenario.graph is None:
        for i in reversed(range(n)):
            layer = scenario.layers[i]
            if kinds.kind(layer.type).HAS_PARAMS:
                body.append(f"        g{i}, dw{i}, db{i} = {_call(scenario, i, 'backward')}")
                grads[i] = (f"dw{i}", f"db{i}")
            else:
                body.append(f"        g{i} = {_call(scenario, i, 'backward')}")
    else:
        body += graph_backward(scenario, grads)
    title = (
        scenario.optimizer.describe()
        if adaptive
        else ("SGD" if plain else "SGD with momentum / weight decay")
    )
    body.append(f"        # ---- update: {title} ----")
    body.append("        new_w, new_b = list(weights), list(biases)")
    for i, (dw, db) in sorted(grads.items()):
        if adaptive:
            body += _adaptive_update(scenario, i, dw, db)
        elif plain:
            body.append(f"        new_w[{i}] = sgd_update(weights[{i}], {dw}, LEARNING_RATE)")
            body.append(f"        new_b[{i}] = sgd_update(biases[{i}], {db}, LEARNING_RATE)")
        else:
            for name, grad, vel in (("w", dw, "velocity_w"), ("b", db, "velocity_b")):
                source = "weights" if name == "w" else "biases"
                body.append(
                    f"        new_{name}[{i}], {vel}[{i}] = sgd_momentum_update("
                    f"{source}[{i}], {grad}, {vel}[{i}], LEARNING_RATE, MOMENTUM, WEIGHT_DECAY)"
                )
    body.append("        # ---- the iteration, as `stepcnn export` reports it ----")
    body.append("        layers = [")
    for i in range(n):
        if scenario.graph is None:
            body.append(f"            layer_record({i}, a{i}, a{i + 1}, g{i + 1}, g{i}),")
        else:
            reads = [f"a{j + 1}" for j in scenario.topology.inputs[i]]
            x = reads[0] if len(reads) == 1 else "(" + ", ".join(reads) + ")"
            dx = f"d{i}[0]" if reads_many(scenario.layers[i]) else f"d{i}"
            body.append(f"            layer_record({i}, {x}, a{i + 1}, g{i + 1}, {dx}),")
    body.append("        ]")
    for i in sorted(grads):
        body.append(
            f"        layers[{i}].update(params_record(weights[{i}], biases[{i}], dw{i}, db{i}, "
            f"new_w[{i}], new_b[{i}]))"
        )
        if momentum > 0:
            body.append(
                f"        layers[{i}]['velocity'] = "
                f"{{'weight': tolist(velocity_w[{i}]), 'bias': tolist(velocity_b[{i}])}}"
            )
        if adaptive:
            body.append(
                f"        layers[{i}]['optimizer_state'] = {{'step': it + 1, "
                f"'weight': {{k: tolist(v) for k, v in state_w[{i}].items()}}, "
                f"'bias': {{k: tolist(v) for k, v in state_b[{i}].items()}}}}"
            )
    for i, layer in enumerate(scenario.layers):
        k = kinds.kind(layer.type)
        if hasattr(k, "buffers_call"):
            body.append(
                f"        layers[{i}].update({{k: tolist(v) for k, v in buffers[{i}].items()}})"
            )
        if hasattr(k, "mask_call"):
            body.append(f"        layers[{i}]['mask'] = tolist(mask{i})")
    body += [
        "        emit({",
        '            "iteration": it + 1,  # counted from 1, as stepcnn export',
        '            "samples": samples,',
        f'            "{key}": tolist({key}),',
        '            "loss": float(loss),',
        '            "layers": layers,',
        "        })",
        "        weights, biases = new_w, new_b",
    ]
    return "\n".join(body) + "\n"


def _adaptive_update(scenario: Scenario, i: int, dw: str, db: str) -> list[str]:
    """Layer ``i``'s Adam or RMSprop update of its weight and bias, keeping their state."""
    lines = []
    adam = scenario.optimizer.name == "adam"
    for name, grad, state in (("w", dw, "state_w"), ("b", db, "state_b")):
        source = "weights" if name == "w" else "biases"
        args = "it + 1, LEARNING_RATE, BETAS, EPS" if adam else "LEARNING_RATE, ALPHA, EPS"
        lines.append(
            f"        new_{name}[{i}], {state}[{i}] = {'adam' if adam else 'rmsprop'}_update("
            f"{source}[{i}], {grad}, {state}[{i}], {args}, WEIGHT_DECAY)"
        )
    return lines


FORK = {
    "python": '''
def add_gradients(g, more):
    """A fork: a tensor several layers read gets the sum of their gradients, g1 + g2 + …"""
    return elementwise(lambda p, q: p + q, g, more)
''',
    "numpy": '''
def add_gradients(g, more):
    """A fork: a tensor several layers read gets the sum of their gradients, g1 + g2 + …"""
    return g + more
''',
}


def graph_backward(scenario: Scenario, grads: dict[int, tuple[str, str]]) -> list[str]:
    """Backward through a graph: layer i sends d<i> back to what it read; a tensor read by
    several layers (a fork) adds what they send, in the order they send it (as the engine)."""
    lines: list[str] = []
    started: set[int] = set()
    graph = scenario.topology
    for i in reversed(range(len(scenario.layers))):
        layer = scenario.layers[i]
        call = _call(scenario, i, "backward")
        if kinds.kind(layer.type).HAS_PARAMS:
            lines.append(f"        d{i}, dw{i}, db{i} = {call}  # layer {i}: {layer.type}")
            grads[i] = (f"dw{i}", f"db{i}")
        else:
            lines.append(f"        d{i} = {call}  # layer {i}: {layer.type}")
        for slot, j in enumerate(graph.inputs[i]):
            if j == INPUT:
                continue  # dL/d(the batch): not needed to train
            share = f"d{i}[{slot}]" if reads_many(layer) else f"d{i}"
            if j in started:
                lines.append(
                    f"        g{j + 1} = add_gradients(g{j + 1}, {share})"
                    f"  # fork: {graph.name(j)} is read again"
                )
            else:
                lines.append(f"        g{j + 1} = {share}")
                started.add(j)
    return lines


TOLIST = {
    "python": '''
def tolist(t):
    """A tensor as plain nested lists (they already are)."""
    return t
''',
    "numpy": '''
def tolist(t):
    """A tensor as plain nested lists of floats (labels stay integers)."""
    a = np.asarray(t)
    return a.tolist() if a.dtype.kind in "iu" else a.astype(float).tolist()
''',
}

RECORDS = '''
def layer_record(i, x, out, grad_out, grad_in):
    """Layer i's entry in the export: its definition and its tensors this iteration (x: a
    tuple of tensors for a layer that reads several, an add)."""
    read = {"inputs": [tolist(t) for t in x]} if isinstance(x, tuple) else {"input": tolist(x)}
    return {"index": i, **LAYERS[i], **read, "output": tolist(out),
            "grad_output": tolist(grad_out), "grad_input": tolist(grad_in)}


def params_record(w, b, dw, db, w_after, b_after):
    """A parameter layer's tensors: before the update, the gradients, after the update."""
    return {"weight": tolist(w), "bias": tolist(b), "grad_weight": tolist(dw),
            "grad_bias": tolist(db), "weight_after": tolist(w_after), "bias_after": tolist(b_after)}
'''


def script(scenario: Scenario, style: str) -> str:
    """The whole script text for the python or numpy style (torch: :mod:`.torch_script`)."""
    if style == "torch":
        from stepcnn.codegen.torch_script import torch_script

        return torch_script(scenario)
    what = "the standard library only" if style == "python" else "numpy, with the naive loops"
    run = "python3 -S -I" if style == "python" else "python3"
    head = (
        f'"""{scenario.title}\n\nA standalone training script ({what}), written by\n'
        f"`stepcnn code {scenario.name} --style {style}` from {scenario.source}: its network,\n"
        "data, exact initial parameters and optimizer. Each layer function is the loop the\n"
        "debugger steps through; the comments name its operations.\n\n"
        f"    {run} SCRIPT.py                 the loss of every iteration\n"
        f"    {run} SCRIPT.py --json          what `stepcnn export {scenario.name}` prints\n"
        f"    {run} SCRIPT.py --iterations N  train N iterations instead\n"
        '"""\n\n'
    )
    imports = "import json\nimport math\nimport sys\n"
    if style == "numpy":
        imports += "\nimport numpy as np\n"
    parts = [
        head + imports,
        "# ==== the layer functions ====\n\n" + _functions(scenario, style),
        TOLIST[style].strip("\n") + "\n\n\n" + RECORDS.strip("\n") + "\n",
        "# ==== the scenario ====\n\n"
        + data_section(scenario, "np.array" if style == "numpy" else ""),
        "# ==== training ====\n\n" + _train(scenario, style),
        MAIN.strip("\n") + "\n",
    ]
    text = "\n\n".join(p.rstrip("\n") + "\n" for p in parts)
    if style == "numpy":
        text = text.replace(
            "    if as_json:",
            "    np.seterr(all='ignore')  # a diverging run: IEEE results\n    if as_json:",
            1,
        )
    return text
