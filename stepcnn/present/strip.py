"""The network strip: the layers as boxes, the current one highlighted, in words and roles.

Each piece is ``(text, role)``; the widget maps a role to a colour of the theme
(``"current"``, ``"done"``, ``"todo"``, ``"dim"``). Two variants, widest first: the widget
draws the first that fits its width.
"""

from stepcnn.present.scene import Scene

Piece = tuple[str, str]
"""A run of text and its role (the theme decides its colour)."""


def network_pieces(scene: Scene, short: bool) -> list[Piece]:
    """The layers as boxes; the short form names only the current layer's shape."""
    pieces: list[Piece] = []
    for i, item in enumerate(scene.network):
        if i:
            pieces.append((scene.direction if short else f"  {scene.direction}  ", "dim"))
        if not short:
            pieces.append((f" {item.label} {item.shape} ", item.state))
        elif item.state == "current":
            pieces.append((f" {item.short} {item.shape} ", item.state))
        else:
            pieces.append((f" {item.short} ", item.state))
    return pieces


def network_variants(scene: Scene) -> list[list[Piece]]:
    """The strip, widest first: every layer in full, then short; then, for a narrow
    terminal, ever fewer layers around the current one, the rest as "…"."""
    variants = [network_pieces(scene, short) for short in (False, True)]
    short = variants[-1]
    boxes = list(range(0, len(short), 2))  # the boxes' pieces (arrows between them)
    current = next((b for b in boxes if short[b][1] == "current"), 0)
    for reach in range(len(boxes) - 1, 0, -1):
        first = max(0, current - 2 * reach)
        last = min(len(short) - 1, current + 2 * reach)
        if first == 0 and last == len(short) - 1:
            continue
        window = short[first : last + 1]
        head: list[Piece] = [(" … ", "dim"), short[first - 1]] if first else []
        tail: list[Piece] = [short[last + 1], (" … ", "dim")] if last < len(short) - 1 else []
        variants.append(head + window + tail)
    return variants
