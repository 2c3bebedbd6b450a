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
    """The strip, widest first."""
    return [network_pieces(scene, short) for short in (False, True)]
