"""The pictures of the documentation are made by ``stepcnn figure``, none by hand, none stale."""

import re

import pytest
from docs_pages import DOCS, README, pages, text

from docs.gen.figures import FIGURES, make

MADE = {f"{figure.name}.svg" for figure in FIGURES}


def pictures_shown() -> dict[str, str]:
    """Every picture a page or the README shows: its file name under docs/img/, and where."""
    shown: dict[str, str] = {}
    for name, body in {**pages(), "README.md": text(README)}.items():
        for link in re.findall(r"!\[[^]]*\]\(([^)]+)\)", body):
            prefix = "docs/img/" if name == "README.md" else "img/"
            if name.count("/"):
                prefix = "../" * name.count("/") + prefix
            assert link.startswith(prefix), f"{name}: the picture {link} is not in docs/img/"
            shown[link.removeprefix(prefix)] = name
    return shown


def test_every_picture_shown_is_one_stepcnn_figure_makes() -> None:
    shown = pictures_shown()
    assert shown, "no page shows a picture"
    for picture, where in shown.items():
        assert picture in MADE, f"{where}: {picture} is not in docs/gen/figures.py"


def test_every_picture_in_docs_img_is_made_and_shown() -> None:
    on_disk = {p.name for p in (DOCS / "img").iterdir()}
    assert on_disk == MADE, f"docs/img/ differs from docs/gen/figures.py: {on_disk ^ MADE}"
    assert set(pictures_shown()) == MADE, "a picture that no page shows"


@pytest.mark.parametrize("figure", FIGURES, ids=lambda f: f.name)
def test_the_picture_is_what_stepcnn_figure_makes_now(figure, tmp_path, capsys) -> None:
    made = make(figure, tmp_path)
    assert capsys.readouterr().out == f"wrote {made}\n"
    committed = DOCS / "img" / f"{figure.name}.svg"
    assert made.read_bytes() == committed.read_bytes(), (
        f"docs/img/{figure.name}.svg is stale: run make docs-figures"
    )
