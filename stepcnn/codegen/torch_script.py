"""``stepcnn code --style torch``: the scenario as ``torch.nn.Sequential`` in float64, trained by
``torch.optim.SGD``, ``Adam`` or ``RMSprop`` — to cross-check stepcnn against a framework."""

from stepcnn.codegen import kinds, losses
from stepcnn.codegen.kinds import dropout as dropout_kind
from stepcnn.codegen.sections import MAIN, data_section
from stepcnn.engine.graph import INPUT
from stepcnn.engine.network import reads_many
from stepcnn.engine.optim import Adam, RMSprop
from stepcnn.io.export import targets_key
from stepcnn.scenario.model import Scenario

TRAIN = '''
def train(iterations, emit):
    """Train with autograd; hand each iteration's record (the export's iteration object) to emit."""
    model = build_model()
    parameters = list(model.parameters())
    optimizer = OPTIMIZER_EXPR if parameters else None  # torch refuses an empty parameter list
    for it in range(iterations):
        samples = [(it * BATCH_SIZE + j) % len(INPUTS) for j in range(BATCH_SIZE)]
        x = torch.tensor([INPUTS[s] for s in samples], requires_grad=True)
        TARGET_LINE
        if optimizer is not None:
            optimizer.zero_grad()
        for i, module in enumerate(model):
            if isinstance(module, MaskedDropout):
                module.key = (SEED, i, it)  # the debugger's mask of this layer and iteration
        acts = [x]
        for module in model:
            out = module(acts[-1])
            out.retain_grad()
            acts.append(out)
        scores = acts[-1]
        loss = LOSS_EXPR
        loss.backward()
        before = [[p.detach().clone() for p in module.parameters()] for module in model]
        if optimizer is not None:
            optimizer.step()
        layers = []
        for i, module in enumerate(model):
            entry = dict(LAYERS[i])
            entry.update(
                input=tolist(acts[i]),
                output=tolist(acts[i + 1]),
                grad_output=tolist(acts[i + 1].grad),
                grad_input=tolist(acts[i].grad),
            )
            if before[i]:
                entry.update(
                    weight=tolist(before[i][0]),
                    bias=tolist(before[i][1]),
                    grad_weight=tolist(module.weight.grad),
                    grad_bias=tolist(module.bias.grad),
                    weight_after=tolist(module.weight),
                    bias_after=tolist(module.bias),
                )
                entry.update(optimizer_state(optimizer, module))
            if isinstance(module, nn.BatchNorm2d):
                entry.update(running_mean=tolist(module.running_mean),
                             running_var=tolist(module.running_var))
            if isinstance(module, MaskedDropout):
                entry["mask"] = tolist(module.mask)
            layers.append({"index": i, **entry})
        emit({
            "iteration": it + 1,  # counted from 1, as stepcnn export
            "samples": samples,
            "KEY": KEY_VALUE,
            "loss": loss.item(),
            "layers": layers,
        })
'''


STATE = '''
def optimizer_state(optimizer, module):
    """The optimizer's state of a module's weight and bias, as `stepcnn export` names it."""
    state_w, state_b = optimizer.state[module.weight], optimizer.state[module.bias]
    if "momentum_buffer" in state_w and state_w["momentum_buffer"] is not None:
        return {"velocity": {"weight": tolist(state_w["momentum_buffer"]),
                             "bias": tolist(state_b["momentum_buffer"])}}
    names = [k for k in ("exp_avg", "exp_avg_sq", "square_avg") if k in state_w]
    if not names:
        return {}
    return {"optimizer_state": {
        "step": int(state_w["step"]),
        "weight": {k: tolist(state_w[k]) for k in names},
        "bias": {k: tolist(state_b[k]) for k in names},
    }}
'''

DROPOUT = '''
class MaskedDropout(nn.Module):
    """Dropout with the debugger's mask (not PyTorch's random stream): x · mask / (1 − p),
    the mask drawn from (SEED, layer, iteration) as stepcnn draws it."""

    def __init__(self, p):
        super().__init__()
        self.p, self.key, self.mask = p, (0, 0, 0), None

    def forward(self, x):
        kept = _dropout_mask_flat(x.numel(), self.p, *self.key)
        self.mask = torch.tensor(kept).reshape(x.shape)
        scale = 0.0 if self.p >= 1 else 1.0 / (1.0 - self.p)
        return x * (self.mask * scale)
'''


def optimizer_expr(scenario: Scenario) -> str:
    """The torch.optim constructor of the scenario's optimizer."""
    opt = scenario.optimizer
    if isinstance(opt, Adam):
        return (
            "torch.optim.Adam(parameters, lr=LEARNING_RATE, betas=BETAS, eps=EPS, "
            "weight_decay=WEIGHT_DECAY)"
        )
    if isinstance(opt, RMSprop):
        return (
            "torch.optim.RMSprop(parameters, lr=LEARNING_RATE, alpha=ALPHA, eps=EPS, "
            "weight_decay=WEIGHT_DECAY)"
        )
    return (
        "torch.optim.SGD(parameters, lr=LEARNING_RATE, momentum=MOMENTUM, "
        "weight_decay=WEIGHT_DECAY)"
    )


GRAPH_LOOP = """        inputs, outputs = forward(model, x)
        acts = [x, *outputs]"""

GRAPH_ENTRY = """                **read_entry(inputs[i]),
                output=tolist(outputs[i]),
                grad_output=tolist(outputs[i].grad),
                grad_input=tolist(inputs[i][0].grad),"""

ADD_MODULE = '''
class Add(nn.Module):
    """add: the element-wise sum of its inputs, left to right (torch.add)."""

    def forward(self, *xs):
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out
'''


def graph_forward(scenario: Scenario) -> str:
    """An explicit forward of the modules along the graph. Each layer reads its own view of
    the tensors it names: autograd gives a view the gradient of that reader alone, and the
    tensor itself the sum over its readers (a fork)."""
    graph = scenario.topology
    lines = [
        "def forward(model, x):",
        '    """The network\'s graph: each layer reads what its `from` names. Returns every',
        "    layer's inputs (views: .grad is that layer's own share of a fork's gradient) and",
        '    outputs."""',
        "    inputs, outputs = [], []",
        "",
        "    def run(i, *sources):",
        "        xs = [s.view_as(s) for s in sources]",
        "        for v in xs:",
        "            v.retain_grad()",
        "        out = model[i](*xs)",
        "        out.retain_grad()",
        "        inputs.append(xs)",
        "        outputs.append(out)",
        "        return out",
        "",
    ]
    for i, layer in enumerate(scenario.layers):
        reads = ", ".join("x" if j == INPUT else f"o{j}" for j in graph.inputs[i])
        name = graph.names[i]
        lines.append(
            f"    o{i} = run({i}, {reads})  # layer {i}: {layer.type}{' ' + name if name else ''}"
        )
    lines.append("    return inputs, outputs")
    lines += [
        "",
        "",
        "def read_entry(xs):",
        '    """What a layer read, as the export has it: input, or inputs for an add."""',
        "    if len(xs) > 1:",
        '        return {"inputs": [tolist(v) for v in xs]}',
        '    return {"input": tolist(xs[0])}',
    ]
    return "\n".join(lines) + "\n"


def torch_script(scenario: Scenario) -> str:
    key = targets_key(scenario)
    modules = []
    loads = []
    for i, layer in enumerate(scenario.layers):
        k = kinds.kind(layer.type)
        modules.append(f"        {k.torch_module(layer)},  # layer {i}")
        if k.HAS_PARAMS:
            loads.append(f"        model[{i}].weight.copy_(torch.tensor(WEIGHTS[{i}]))")
            loads.append(f"        model[{i}].bias.copy_(torch.tensor(BIASES[{i}]))")
    container = "nn.Sequential" if scenario.graph is None else "nn.ModuleList"
    listed = "\n".join(modules)
    if scenario.graph is not None:
        listed = "        [\n" + "\n".join("    " + m for m in modules) + "\n        ]"
    build = (
        "def build_model():\n"
        '    """The network, its parameters set to the scenario\'s initial ones."""\n'
        f"    model = {container}(\n" + listed + "\n    )\n"
        "    with torch.no_grad():\n" + ("\n".join(loads) if loads else "        pass") + "\n"
        "    return model\n"
    )
    if key == "labels":
        target_line = "labels = [LABELS[s] for s in samples]"
        key_value = "labels"
    else:
        target_line = "targets = torch.tensor([TARGETS[s] for s in samples])"
        key_value = "tolist(targets)"
    loss_expr = losses.loss(scenario.loss).TORCH.replace("torch.tensor(targets)", "targets")
    template = TRAIN
    if scenario.graph is not None:
        loop = """        acts = [x]
        for module in model:
            out = module(acts[-1])
            out.retain_grad()
            acts.append(out)"""
        entry = """                input=tolist(acts[i]),
                output=tolist(acts[i + 1]),
                grad_output=tolist(acts[i + 1].grad),
                grad_input=tolist(acts[i].grad),"""
        assert loop in template and entry in template
        template = template.replace(loop, GRAPH_LOOP).replace(entry, GRAPH_ENTRY)
    train = (
        template.replace("TARGET_LINE", target_line)
        .replace("LOSS_EXPR", loss_expr)
        .replace('"KEY": KEY_VALUE', f'"{key}": {key_value}')
        .replace("OPTIMIZER_EXPR", optimizer_expr(scenario))
    )
    dropout = any(kinds.draws_mask(layer.type) for layer in scenario.layers)
    if not dropout:  # (no module to key: the loop's test finds none)
        train = train.replace(
            """        for i, module in enumerate(model):
            if isinstance(module, MaskedDropout):
                module.key = (SEED, i, it)  # the debugger's mask of this layer and iteration
""",
            "",
        ).replace(
            """            if isinstance(module, MaskedDropout):
                entry["mask"] = tolist(module.mask)
""",
            "",
        )
    head = (
        f'"""{scenario.title}\n\nThe scenario in PyTorch: torch.nn.Sequential in float64, '
        f"torch.optim.{scenario.optimizer.describe().split()[0]}.\n"
        f"Written by `stepcnn code {scenario.name} --style torch`: the same network, data and\n"
        "initial parameters as stepcnn. `--json` prints the document `stepcnn export` prints,\n"
        "computed by autograd.\n\n"
        "    python3 SCRIPT.py [--json] [--iterations N]\n"
        '"""\n\n'
        "import json\nimport sys\n\nimport torch\nimport torch.nn.functional as F\n"
        "from torch import nn\n\ntorch.set_default_dtype(torch.float64)\n"
    )
    tolist = (
        "def tolist(t):\n"
        '    """A tensor (or list) as plain nested lists."""\n'
        "    return t.detach().tolist() if isinstance(t, torch.Tensor) else t\n"
    )
    graph_parts = []
    if scenario.graph is not None:
        if any(reads_many(layer) for layer in scenario.layers):
            graph_parts.append(ADD_MODULE.strip("\n") + "\n")
        graph_parts.append(graph_forward(scenario))
    parts = [
        head,
        "# ==== the scenario ====\n\n" + data_section(scenario, ""),
        *([dropout_kind.MASK.strip("\n") + "\n", DROPOUT.strip("\n") + "\n"] if dropout else []),
        *graph_parts,
        build,
        tolist,
        STATE.strip("\n") + "\n",
        train.strip("\n") + "\n",
        MAIN.strip("\n") + "\n",
    ]
    return "\n\n".join(p.rstrip("\n") + "\n" for p in parts)
