"""The README is a front page: at most 250 lines, its keys bound as it says, its links whole."""

import re

from docs_pages import DOCS, README, ROOT, anchors, text

from docs.gen.figures import FIGURES
from docs.gen.keys_page import keys_cell, rows

BODY = text(README)


def test_the_readme_is_at_most_250_lines() -> None:
    assert len(BODY.splitlines()) <= 250


def test_the_readmes_keys_are_rows_of_the_key_table() -> None:
    match = re.search(r"^## The ten most used keys\n(.*?)(?=^## )", BODY, re.M | re.S)
    assert match, "the README has no key table"
    table = [line for line in match.group(1).splitlines() if line.startswith("| `")]
    bound = {f"| {keys_cell(keys)} | {action} |" for keys, action, _ in rows()}
    assert len(table) == 10
    for line in table:
        assert line in bound, f"the README's key row {line!r} is not how the keys are bound"


def test_every_link_of_the_readme_leads_to_a_file_and_its_heading() -> None:
    links = re.findall(r"\]\(([^)\s]+)\)", BODY)
    assert any(link.startswith("docs/") for link in links)
    for link in links:
        if re.match(r"\w+://", link):
            continue
        path, _, anchor = link.partition("#")
        target = ROOT / path
        assert target.exists(), f"the README links to {path}, which does not exist"
        if anchor:
            assert anchor in anchors(text(target)), f"{path} has no heading #{anchor}"


def test_the_readmes_picture_is_a_figure_of_the_docs() -> None:
    pictures = re.findall(r"!\[[^]]*\]\(([^)]+)\)", BODY)
    assert len(pictures) == 1
    made = {f"docs/img/{figure.name}.svg" for figure in FIGURES}
    assert pictures[0] in made
    assert (DOCS / "img").is_dir()


def test_iterations_are_counted_from_1_in_the_readme() -> None:
    assert "iteration 0" not in BODY
