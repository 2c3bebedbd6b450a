"""Random small architectures for the generated-code tests (drawn from a seed, as data)."""

import random

from timeline_cases import Case


def random_case(seed: int) -> Case:
    """A random valid scenario: conv (stride, padding, channels), the activations, pooling,
    flatten, linear; either loss; batches that wrap; a few iterations."""
    rng = random.Random(seed)
    c, h, w = rng.randint(1, 3), rng.randint(4, 8), rng.randint(4, 8)
    loss = rng.choice(["cross_entropy", "mse"])
    layers: list[dict[str, object]] = []
    activations = ["relu", "tanh", "sigmoid", "leaky_relu"]
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(["conv2d", "conv2d", "activation", "pool"])
        probe = Case("probe", (c, h, w), tuple(layers), "mse", 1, 1, 0.1, 1, 0)
        _, hh, ww = probe.shapes[-1]
        if kind == "conv2d":
            k = [rng.randint(1, min(3, hh + 2)), rng.randint(1, min(3, ww + 2))]
            p = [rng.randint(0, 1), rng.randint(0, 1)]
            s = [rng.randint(1, 2), rng.randint(1, 2)]
            if hh + 2 * p[0] < k[0] or ww + 2 * p[1] < k[1]:
                continue
            spec: dict[str, object] = {"type": "conv2d", "out_channels": rng.randint(1, 3)}
            layers.append(spec | {"kernel_size": k, "stride": s, "padding": p})
        elif kind == "activation":
            act = rng.choice(activations)
            layers.append({"type": act} | ({"negative_slope": 0.2} if act == "leaky_relu" else {}))
        elif hh >= 2 and ww >= 2:  # max or average: random_toml decides (the same shapes)
            layers.append(
                {"type": "maxpool2d", "kernel_size": [2, 2], "stride": [rng.randint(1, 2)] * 2}
            )
    if loss == "cross_entropy" or rng.random() < 0.6:
        layers.append({"type": "flatten"})
        layers.append({"type": "linear", "out_features": rng.randint(2, 4)})
    return Case(
        f"random-{seed}",
        (c, h, w),
        tuple(layers),
        loss,
        batch_size=rng.randint(1, 3),
        iterations=rng.randint(1, 3),
        learning_rate=rng.choice([0.05, 0.1, 0.5]),
        samples=rng.randint(1, 4),
        data_seed=seed,
    )


def random_toml(seed: int) -> str:
    """:func:`random_case` as a scenario file, with SGD momentum and weight decay in half of
    them (torch.optim.SGD's settings)."""
    text = random_case(seed).toml
    rng = random.Random(seed + 10_000)
    parts = text.split('type = "maxpool2d"')
    text = parts[0] + "".join(
        f'type = "{rng.choice(["maxpool2d", "avgpool2d"])}"' + part for part in parts[1:]
    )
    if rng.random() < 0.5:
        momentum, decay = rng.choice([0.5, 0.9]), rng.choice([0.0, 0.01, 0.1])
        text = text.replace(
            "\nseed = 3\n", f"\nseed = 3\nmomentum = {momentum}\nweight_decay = {decay}\n", 1
        )
    return text
