"""The download keeps its promise of "every column": each field of each downloaded model is a column or is withheld with a
reason, and docs/privacy.md lists the same files and columns as the README inside the zip."""

from pathlib import Path

import pytest

from apps.privacy.download import readme_text
from apps.privacy.download_tables import DOWNLOAD_TABLES

DOCS = Path(__file__).resolve().parents[3] / "docs" / "privacy.md"


@pytest.mark.parametrize("table", [table for table in DOWNLOAD_TABLES if table.model], ids=lambda table: table.file_name)
def test_every_field_is_a_column_or_withheld_with_a_reason(table):
    exported = {column.path.split("__")[0] for column in table.columns}
    fields = {field.name for field in table.model._meta.concrete_fields}
    assert fields - exported - set(table.withheld) == set(), f"{table.file_name}: add these fields as columns or say why they are withheld"
    assert set(table.withheld) <= fields and not exported & set(table.withheld)
    assert all(reason.strip() for reason in table.withheld.values())


def test_file_names_are_unique_and_every_column_is_described():
    names = [table.file_name for table in DOWNLOAD_TABLES]
    assert len(names) == len(set(names))
    for table in DOWNLOAD_TABLES:
        assert len({column.name for column in table.columns}) == len(table.columns)
        assert all(column.about.strip() for column in table.columns)


def test_docs_privacy_lists_the_files_and_columns_as_the_readme_does():
    file_list = readme_text().split("The files\n---------\n", 1)[1]
    assert file_list.strip() in DOCS.read_text(encoding="utf-8"), (
        "docs/privacy.md must hold the README's file list: "
        ".venv/bin/python manage.py data_download_readme prints it"
    )
