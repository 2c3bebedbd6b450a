"""What Adam and RMSprop share: a state for every parameter tensor from the first update on
(no SGD velocity), and how ``check`` names them."""

from stepcnn.engine.types import Array

TensorState = dict[str, Array]
"""One tensor's optimizer state by PyTorch's names (``exp_avg``, ``square_avg``, …)."""


class AdaptiveOptimizer:
    """The part of Adam's and RMSprop's settings that does not differ (a mixin of their
    dataclasses)."""

    momentum = 0.0  # (SGD's; these optimizers have none)
    weight_decay: float

    @property
    def keeps_velocity(self) -> bool:
        return False

    @property
    def keeps_state(self) -> bool:
        return True

    def named(self, name: str, settings: str) -> str:
        """``Name (settings, weight decay λ)``: the weight decay only where there is one."""
        if self.weight_decay:
            settings += f", weight decay {self.weight_decay:g}"
        return f"{name} ({settings})"
