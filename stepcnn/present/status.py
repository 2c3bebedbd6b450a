"""Status-bar wording that is more than a number."""


def loss_text(loss: float | None, previous: float | None, short: bool) -> str:
    """The loss once this iteration has computed it; before that (the forward phase) the
    previous iteration's, labelled so; in the first forward phase, when it will come."""
    if loss is not None:
        return f"loss {loss:.4g}"
    if previous is not None:
        return f"prev. loss {previous:.4g}" if short else f"previous loss {previous:.4g}"
    return "loss …" if short else "loss not yet known"
