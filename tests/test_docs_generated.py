"""The generated pages are what the code makes now, and the generators see what changes.

``docs/reference/*.md`` and the package map in ``CONTRIBUTING.md`` are made by ``docs/gen``
(``make docs-gen``) from the key bindings, the scenario loader's reads, the CLI's parsers and
``tests/test_layering.py``.
"""

import re

import pytest
from docs_pages import ROOT

from docs.gen import __main__ as generate
from docs.gen import field_notes, key_notes, keys_page, scenario_page
from stepcnn.scenario.kinds import relu
from stepcnn.tui import bindings


@pytest.mark.parametrize("path", list(generate.pages()), ids=lambda p: p.name)
def test_the_generated_page_is_what_the_code_makes_now(path) -> None:
    made = generate.pages()[path]()
    assert path.exists(), f"{path.relative_to(ROOT)} is missing: run make docs-gen"
    assert path.read_text(encoding="utf-8") == made, (
        f"{path.relative_to(ROOT)} is stale: run make docs-gen"
    )


def test_every_field_note_names_a_field_the_loader_reads() -> None:
    read = {field.path for field in scenario_page.fields()}
    for field in scenario_page.fields():
        assert scenario_page.note_of(field) is not None, f"{field.path} has no note"
    kind_fallbacks = {f"layers[].{f.key}" for f in scenario_page.fields()}
    unused = set(field_notes.NOTES) - read - kind_fallbacks
    assert not unused, f"notes for fields the loader does not read: {unused}"


def test_every_key_note_names_a_row_of_the_key_table() -> None:
    used = {keys_page.note_key(keys, b) for keys, _, b in keys_page.rows()}
    assert set(key_notes.KEY_NOTES) == used, set(key_notes.KEY_NOTES) ^ used


def test_the_explorer_finds_reads_that_only_a_choice_or_a_table_brings() -> None:
    paths = {field.path for field in scenario_page.fields()}
    assert "samples[].target" in paths  # read only with loss = "mse"
    assert "samples[].label" in paths  # ... and with cross_entropy
    assert "narration.at[].steps" in paths  # only inside [[narration.at]]
    assert "display.precision" in paths  # only inside [display]
    assert "layers[conv2d].padding" in paths and "layers[].type" in paths
    assert not any(p.startswith("layers[relu].") for p in paths)


def test_a_field_a_reader_starts_to_read_fails_the_page_until_it_has_a_note(monkeypatch) -> None:
    original = relu.read

    def read(table, in_shape):  # a relu that reads one more key
        table.number("threshold", 0.0)
        return original(table, in_shape)

    monkeypatch.setattr(relu, "read", read)
    paths = {field.path for field in scenario_page.fields()}
    assert "layers[relu].threshold" in paths
    with pytest.raises(ValueError, match=re.escape("layers[relu].threshold: no note")):
        scenario_page.page()
    monkeypatch.setitem(
        field_notes.NOTES, "layers[relu].threshold", field_notes.Note("the cut-off")
    )
    assert "| `threshold` | number | `0` | — | the cut-off |" in scenario_page.page()


def test_a_note_may_not_contradict_the_getters_type_or_default(monkeypatch) -> None:
    monkeypatch.setitem(field_notes.NOTES, "seed", field_notes.Note("the seed", type="text"))
    with pytest.raises(ValueError, match="seed: read with integer"):
        scenario_page.page()


def test_a_new_binding_fails_the_key_page_until_it_has_a_note(monkeypatch) -> None:
    from textual.binding import Binding

    monkeypatch.setattr(bindings, "BINDINGS", [*bindings.BINDINGS, Binding("u", "undo", "Undo")])
    monkeypatch.setattr(keys_page, "BINDINGS", bindings.BINDINGS)
    with pytest.raises(ValueError, match="u: no note"):
        keys_page.page()


def test_check_mode_names_a_stale_page(tmp_path, monkeypatch, capsys) -> None:
    stale = tmp_path / "keys.md"
    stale.write_text("old\n", encoding="utf-8")
    monkeypatch.setattr(generate, "ROOT", tmp_path)
    monkeypatch.setattr(generate, "pages", lambda: {stale: keys_page.page})
    assert generate.main(["--check"]) == 1
    assert "keys.md: stale; run make docs-gen" in capsys.readouterr().err
    assert generate.main([]) == 0
    assert generate.main(["--check"]) == 0
