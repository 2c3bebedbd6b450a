"""The parts every style of generated script shares: the scenario's numbers, ``main``."""

from stepcnn.codegen.literals import array_literal, literal
from stepcnn.engine.optim import Adam, RMSprop
from stepcnn.io.export import header, layer_geometry, wiring
from stepcnn.scenario.model import Scenario


def momentum_of(scenario: Scenario) -> tuple[float, float]:
    return float(getattr(scenario, "momentum", 0.0)), float(getattr(scenario, "weight_decay", 0.0))


def _optimizer_lines(scenario: Scenario) -> list[str]:
    """Adam's or RMSprop's settings, and the seed of the dropout masks, where there are."""
    opt = scenario.optimizer
    lines = []
    if isinstance(opt, Adam):
        lines += [f"BETAS = {tuple(opt.betas)!r}", f"EPS = {opt.eps!r}"]
    if isinstance(opt, RMSprop):
        lines += [f"ALPHA = {opt.alpha!r}", f"EPS = {opt.eps!r}"]
    if any(getattr(layer, "seeded", False) for layer in scenario.layers):
        lines.append(f"SEED = {scenario.seed}  # the dropout masks are drawn from it")
    return lines


def data_section(scenario: Scenario, wrap: str) -> str:
    """The scenario's numbers. ``wrap`` is ``"np.array"`` for the numpy style, else ``""``."""
    momentum, decay = momentum_of(scenario)

    def arr(text: str) -> str:
        return f"{wrap}({text})" if wrap else text

    lines = [
        f"HEADER = {literal(header(scenario))}",
        f"LEARNING_RATE = {scenario.learning_rate!r}",
        f"MOMENTUM = {momentum!r}",
        f"WEIGHT_DECAY = {decay!r}",
        *_optimizer_lines(scenario),
        f"ITERATIONS = {scenario.iterations}",
        f"BATCH_SIZE = {scenario.batch_size}",
        "# The samples, [S][C][H][W]",
        f"INPUTS = {arr(array_literal(scenario.inputs))}",
    ]
    if scenario.loss == "cross_entropy":
        lines.append(f"LABELS = {literal([int(v) for v in scenario.y])}")
    else:
        lines.append("# The targets, one per sample, shaped like the network's output")
        lines.append(f"TARGETS = {arr(array_literal(scenario.y))}")
    lines.append("# Each layer's definition, as `stepcnn export` reports it")
    described = [
        layer_geometry(layer) | wiring(scenario, i) for i, layer in enumerate(scenario.layers)
    ]
    lines.append(f"LAYERS = {literal(described)}")
    lines.append("# The initial parameters, layer by layer (None: a layer without parameters)")
    weights, biases = [], []
    for p in scenario.initial_params:
        weights.append("None" if p is None else arr(array_literal(p.weight, 4)))
        biases.append("None" if p is None else arr(array_literal(p.bias, 4)))
    lines.append("WEIGHTS = [\n" + "".join(f"    {w},\n" for w in weights) + "]")
    lines.append("BIASES = [\n" + "".join(f"    {b},\n" for b in biases) + "]")
    return "\n".join(lines) + "\n"


MAIN = '''
def main(argv):
    """python3 SCRIPT [--json] [--iterations N]"""
    as_json, iterations, rest = False, ITERATIONS, list(argv)
    while rest:
        arg = rest.pop(0)
        if arg == "--json":
            as_json = True
        elif arg == "--iterations" and rest and rest[0].isdigit() and int(rest[0]) >= 1:
            iterations = int(rest.pop(0))
        else:
            given = rest[0] if arg == "--iterations" and rest else arg
            print(f"usage: python3 {sys.argv[0]} [--json] [--iterations N]: got {given!r}",
                  file=sys.stderr)
            sys.exit(2)
    if as_json:
        # The document `stepcnn export` prints, written one iteration at a time.
        sys.stdout.write(json.dumps(HEADER)[:-1] + ', "iterations": [')
        first = [True]

        def emit(record):
            sys.stdout.write(("" if first[0] else ", ") + json.dumps(record))
            first[0] = False

        train(iterations, emit)
        sys.stdout.write("]}\\n")
    else:
        train(iterations, lambda r: print(f"iteration {r['iteration']}: loss {r['loss']!r}"))


if __name__ == "__main__":
    main(sys.argv[1:])
'''
