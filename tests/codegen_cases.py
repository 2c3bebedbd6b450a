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


# ---- issue 20: batchnorm2d, dropout, adaptive_avgpool2d, Adam and RMSprop ---------------------


def optimizer_lines(rng: random.Random) -> str:
    """SGD (plain or with momentum), Adam or RMSprop with some of their settings."""
    choice = rng.choice(["sgd", "adam", "adam", "rmsprop"])
    decay = rng.choice([0.0, 0.0, 0.01, 0.1])
    if choice == "adam":
        betas = rng.choice([[0.9, 0.999], [0.8, 0.99], [0.5, 0.9]])
        eps = rng.choice([1e-8, 1e-3])
        return f'optimizer = "adam"\nbetas = {betas}\neps = {eps}\nweight_decay = {decay}\n'
    if choice == "rmsprop":
        alpha = rng.choice([0.99, 0.9])
        return f'optimizer = "rmsprop"\nalpha = {alpha}\nweight_decay = {decay}\n'
    return f"momentum = {rng.choice([0.0, 0.9])}\nweight_decay = {decay}\n"


def random_kinds_case(seed: int) -> Case:
    """conv2d → activation → [batchnorm2d] → [dropout] → [adaptive_avgpool2d] → flatten →
    [dropout] → linear, batch 1 or 2 (batchnorm sees more than one value per channel); in
    some, batchnorm2d and dropout stand in a residual branch (a conv after them, and an add
    of the branch and the activation's output)."""
    rng = random.Random(seed + 20_000)
    c, h, w = rng.randint(1, 2), rng.randint(3, 6), rng.randint(3, 6)
    layers: list[dict[str, object]] = [
        {"type": "conv2d", "out_channels": rng.randint(1, 3), "kernel_size": 2, "padding": 1}
    ]
    layers.append({"type": rng.choice(["relu", "tanh"])})
    residual = seed % 3 == 2  # a third of them
    if residual:  # the next layers are a residual branch: skip + conv(batchnorm(dropout(skip)))
        layers[-1] = layers[-1] | {"name": "skip"}
    if rng.random() < 0.7:  # after the activation: a conv bias right before it gets dL/db = 0
        layers.append({"type": "batchnorm2d"} | ({"momentum": 0.3} if rng.random() < 0.3 else {}))
    if rng.random() < 0.6:
        layers.append({"type": "dropout", "p": rng.choice([0.0, 0.3, 0.5, 1.0])})
    if residual:
        channels = layers[0]["out_channels"]
        layers.append(
            {"type": "conv2d", "out_channels": channels, "kernel_size": 3, "padding": 1}
            | {"name": "branch"}
        )
        layers.append({"type": "add", "from": ["skip", "branch"]})
    if rng.random() < 0.7:  # (the mean of a normalised channel is β: its dx would be 0)
        normalised = any(spec["type"] == "batchnorm2d" for spec in layers)
        sizes = [2, [3, 2]] if normalised else [1, 2, [3, 2]]
        layers.append({"type": "adaptive_avgpool2d", "output_size": rng.choice(sizes)})
    layers.append({"type": "flatten"})
    if rng.random() < 0.4:
        layers.append({"type": "dropout", "p": 0.25})
    layers.append({"type": "linear", "out_features": rng.randint(2, 3)})
    return Case(
        f"kinds-{seed}",
        (c, h, w),
        tuple(layers),
        rng.choice(["cross_entropy", "mse"]),
        batch_size=rng.randint(1, 2),
        iterations=rng.randint(2, 3),
        learning_rate=rng.choice([0.01, 0.1]),
        samples=rng.randint(1, 3),
        data_seed=seed,
    )


def random_kinds_toml(seed: int) -> str:
    """:func:`random_kinds_case` as a scenario file, with a random optimizer."""
    rng = random.Random(seed + 30_000)
    return random_kinds_case(seed).toml.replace(
        "\nseed = 3\n", "\nseed = 3\n" + optimizer_lines(rng), 1
    )
