"""README.md's event catalogue and configuration reference are generated from the code."""

from __future__ import annotations

from portal_ops import reference


def test_readme_matches_the_code():
    text = reference.README.read_text()
    assert reference.render(text) == text, "README.md is stale: run `python -m portal_ops.reference --write`"


def test_every_variable_of_every_process_is_documented():
    table = reference.configuration_table()
    for _process, cls in reference._processes():
        for doc in cls.variables():
            shown = doc.name
            if f"`{shown}`" not in table:
                generic = "PORTAL_<SERVICE>_" + shown.split("_", 2)[2]
                assert f"`{generic}`" in table, shown
            assert doc.help, f"{shown} has no help text"
