"""``stepcnn code --style torch``: the scenario as ``torch.nn.Sequential`` in float64, trained by
``torch.optim.SGD`` — to cross-check stepcnn against a framework."""

from stepcnn.codegen import kinds, losses
from stepcnn.codegen.sections import MAIN, data_section
from stepcnn.io.export import targets_key
from stepcnn.scenario.model import Scenario

TRAIN = '''
def train(iterations, emit):
    """Train with autograd; hand each iteration's record (the export's iteration object) to emit."""
    model = build_model()
    parameters = list(model.parameters())
    optimizer = torch.optim.SGD(
        parameters, lr=LEARNING_RATE, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY
    ) if parameters else None  # torch refuses an empty parameter list
    for it in range(iterations):
        samples = [(it * BATCH_SIZE + j) % len(INPUTS) for j in range(BATCH_SIZE)]
        x = torch.tensor([INPUTS[s] for s in samples], requires_grad=True)
        TARGET_LINE
        if optimizer is not None:
            optimizer.zero_grad()
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
                if MOMENTUM > 0:
                    entry["velocity"] = {
                        "weight": tolist(optimizer.state[module.weight]["momentum_buffer"]),
                        "bias": tolist(optimizer.state[module.bias]["momentum_buffer"]),
                    }
            layers.append({"index": i, **entry})
        emit({
            "iteration": it + 1,  # counted from 1, as stepcnn export
            "samples": samples,
            "KEY": KEY_VALUE,
            "loss": loss.item(),
            "layers": layers,
        })
'''


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
    build = (
        "def build_model():\n"
        '    """The network, its parameters set to the scenario\'s initial ones."""\n'
        "    model = nn.Sequential(\n" + "\n".join(modules) + "\n    )\n"
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
    train = (
        TRAIN.replace("TARGET_LINE", target_line)
        .replace("LOSS_EXPR", loss_expr)
        .replace('"KEY": KEY_VALUE', f'"{key}": {key_value}')
    )
    head = (
        f'"""{scenario.title}\n\nThe scenario in PyTorch: torch.nn.Sequential in float64, '
        "torch.optim.SGD.\n"
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
    parts = [
        head,
        "# ==== the scenario ====\n\n" + data_section(scenario, ""),
        build,
        tolist,
        train.strip("\n") + "\n",
        MAIN.strip("\n") + "\n",
    ]
    return "\n\n".join(p.rstrip("\n") + "\n" for p in parts)
