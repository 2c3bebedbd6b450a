"""``stepcnn check SCENARIO``: validate; print each layer's shapes, parameters and steps."""

import argparse

from stepcnn.cli.options import Parser, add_scenario


def parser() -> Parser:
    p = Parser(
        prog="stepcnn check",
        description="Validate a scenario; print each layer's shapes, the parameter count "
        "and the steps per iteration. Exit 2 with one line per problem if it is invalid.",
    )
    add_scenario(p)
    return p


def run(args: argparse.Namespace) -> int:
    from stepcnn.base.wording import count
    from stepcnn.engine.network import PHASES
    from stepcnn.scenario.layer_schema import shape_text
    from stepcnn.timeline.layout import Layout
    from stepcnn.timeline.load import load_scenario

    s = load_scenario(args.scenario)
    shapes = s.shapes
    layout = Layout(s.layers, shapes, s.batch_size, s.loss, s.graph)
    graph = s.topology
    counts = layout.counts()
    print(f"{s.source}: {s.title}")
    samples = s.inputs.shape[0]
    print(f"  input      {shape_text(shapes[0])}  ({count(samples, 'sample')})")
    width = max(10, *(len(layer.type) for layer in s.layers))  # adaptive_avgpool2d: 18
    for i, layer in enumerate(s.layers):
        params = s.initial_params[i]
        extra = f"  {count(params.weight.size + params.bias.size, 'parameter')}" if params else ""
        shapes_text = f"{shape_text(s.input_shape(i))} → {shape_text(shapes[i + 1])}"
        wiring = ""
        if not graph.is_chain:
            name = graph.names[i]
            reads = ", ".join(graph.name(j) for j in graph.inputs[i])
            wiring = f"  {name + ' ' if name else ''}← {reads}"
        print(f"  layer {i:<3} {layer.type:<{width}} {shapes_text}{extra}{wiring}")
    print(f"  loss       {s.loss}")
    print(f"parameters: {s.parameter_count:,}")
    phases = {ph: sum(c for (p, _), c in counts.items() if p == ph) for ph in PHASES}
    detail = ", ".join(f"{ph} {n:,}" for ph, n in phases.items())
    print(f"steps per iteration: {layout.per_iteration:,} ({detail})")
    print(
        f"iterations: {s.iterations:,}, batch size {s.batch_size:,}, "
        f"learning rate {s.learning_rate:g}: {layout.per_iteration * s.iterations:,} steps in all"
    )
    print(f"optimizer: {s.optimizer.describe()}")
    if s.compare is not None:
        print(f"compare:   {s.compare.describe()} (the same net; its loss curve beside)")
    if s.batch_size > samples:
        print(
            f"note: batch_size {s.batch_size} is larger than the {count(samples, 'sample')}: "
            "samples repeat within a batch"
        )
    if s.credit:
        print(f"credit: {s.credit}")
    print("ok")
    return 0
