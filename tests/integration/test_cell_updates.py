"""Targeted cell updates in a user's input table: only the named cells change."""

from __future__ import annotations

import openpyxl
import pandas as pd

from arcollect.book import template, write
from arcollect.schema import Customers


def test_credit_hold_is_set_for_the_named_customers_only_and_the_users_own_column_survives(tmp_path):
    path = tmp_path / "book.xlsx"
    template.build(path)
    customers = pd.DataFrame(
        {Customers.ID: ["C1", "C2", "C3"], Customers.NAME: ["A", "B", "C"], Customers.COUNTRY: ["DE", "FR", "GB"]}
    )
    write.write_tables(path, {"Customers": customers})
    book = openpyxl.load_workbook(path)
    sheet = book["Customers"]
    extra = sheet.max_column + 1
    sheet.cell(row=1, column=extra, value="My notes")
    sheet.cell(row=3, column=extra, value="call Tuesdays")
    book.save(path)

    update = write.CellUpdate("Customers", Customers.ID, Customers.CREDIT_HOLD, {"C2": True})
    write.write_tables(path, {}, updates=[update])

    rows = list(openpyxl.load_workbook(path)["Customers"].iter_rows(values_only=True))
    header = rows[0]
    hold = header.index("Credit hold")
    assert [row[hold] for row in rows[1:4]] == [None, True, None]
    assert rows[2][header.index("My notes")] == "call Tuesdays"
