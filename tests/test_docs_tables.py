from pathlib import Path

from pointline.schemas.docs import render_tables_markdown
from pointline.schemas.registry import list_table_specs

DOC = Path(__file__).resolve().parents[1] / "docs" / "tables.md"


def test_tables_doc_is_current():
    assert DOC.read_text() == render_tables_markdown(), (
        "docs/tables.md is stale: run `uv run python -m pointline.schemas.docs > docs/tables.md`"
    )


def test_every_table_is_documented():
    text = render_tables_markdown()
    for name in list_table_specs():
        assert f"### `{name}`" in text
    assert "| `price` | Int64 | no | 10^9 |" in text
