"""Random small architectures for the generated-code tests (drawn from a seed, as data)."""

import random

from timeline_cases import Case


def random_case(seed: int) -> Case:
    """A random valid scenario: conv (stride, padding, channels), relu, max-pool, flatten,
    linear; either loss; batches that wrap; a few iterations."""
    rng = random.Random(seed)
    c, h, w = rng.randint(1, 3), rng.randint(4, 8), rng.randint(4, 8)
    loss = rng.choice(["cross_entropy", "mse"])
    layers: list[dict[str, object]] = []
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(["conv2d", "conv2d", "relu", "maxpool2d"])
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
        elif kind == "relu":
            layers.append({"type": "relu"})
        elif hh >= 2 and ww >= 2:
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
