"""The Dashboard sheet on a real template workbook: tiles, native charts on real cells, rebuild, render to PNG."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path
from posixpath import dirname, join, normpath

import openpyxl
import pandas as pd
import pytest

from arcollect.book import dashboard, template
from arcollect.book.write import write_tables
from arcollect.schema import Aging

BUCKETS = ["Current", "1-30", "31-60", "61-90", "91-120", "120+"]
TILES = {"DSO": 41.2, "Best possible DSO": 30.0, "ADD": 11.2, "CEI": "87 %", "% overdue": "37 %", "Total open": 93000.0}


@pytest.fixture
def book_path(tmp_path: Path) -> Path:
    path = tmp_path / "collections.xlsx"
    template.build(path)
    return path


def analytics() -> dict[str, pd.DataFrame | pd.Series]:
    return {
        "aging": pd.Series(
            [52000.0, 18000.0, 9500.0, 4000.0, 2500.0, 7000.0], index=pd.Index(BUCKETS, name="bucket"), name="Open"
        ),
        "dso_trend": pd.DataFrame(
            {
                "month": pd.period_range("2026-01", periods=6, freq="M"),
                "DSO simple": [45.0, 43.0, 47.0, 41.0, 39.0, 40.5],
                "DSO count-back": [48.0, 46.0, 50.0, 44.0, 42.0, 43.0],
                "Best possible DSO": [30.0, 31.0, 29.0, 30.0, 31.0, 30.0],
            }
        ),
        "overdue_by_currency": pd.DataFrame(
            {
                "currency": ["EUR", "USD", '=HYPERLINK("http://evil.example","GBP")'],
                "Overdue": [15000.0, 6000.0, 2000.0],
            }
        ),
        "effectiveness": pd.Series(
            [0.42, 0.55, 0.31], index=pd.Index(["1 Friendly", "2 Firm", "3 Final"], name="level"), name="Paid ≤14d"
        ),
    }


def write_dashboard(path: Path) -> Path:
    return dashboard.write(path, tiles=TILES, base_currency="EUR", **analytics())


def parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {
            name: archive.read(name).decode("utf-8") for name in archive.namelist() if name.endswith((".xml", ".rels"))
        }


def sheet_part(xml: dict[str, str], sheet: str) -> str:
    """The worksheet part of `sheet`, found the way Excel does: workbook.xml's r:id, then the workbook rels."""
    rel_id = re.search(rf'<sheet [^>]*name="{sheet}"[^>]*r:id="(rId\d+)"', xml["xl/workbook.xml"]).group(1)
    target = re.search(
        rf'Id="{rel_id}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rel_id}"', xml["xl/_rels/workbook.xml.rels"]
    )
    return _resolve("xl/workbook.xml", target.group(1) or target.group(2))


def related(xml: dict[str, str], part: str) -> list[str]:
    rels = xml.get(join(dirname(part), "_rels", part.rsplit("/", 1)[1] + ".rels"), "")
    return [_resolve(part, target) for target in re.findall(r'Target="([^"]+)"', rels)]


def _resolve(part: str, target: str) -> str:
    """A relationship target as a zip member name: absolute (``/xl/…``) or relative to the part's folder."""
    return target.lstrip("/") if target.startswith("/") else normpath(join(dirname(part), target))


def chart_parts(xml: dict[str, str], sheet: str) -> list[str]:
    drawings = [part for part in related(xml, sheet_part(xml, sheet)) if "/drawings/" in part]
    return [part for drawing in drawings for part in related(xml, drawing) if "/charts/" in part]


def test_dashboard_has_tiles_and_four_native_charts_drawn_from_its_own_cells(book_path: Path) -> None:
    assert write_dashboard(book_path) == book_path

    xml = parts(book_path)
    charts = chart_parts(xml, "Dashboard")
    assert len(charts) >= 4
    book = openpyxl.load_workbook(book_path)
    sheet = book["Dashboard"]
    assert book.sheetnames[1] == "Dashboard"
    tiles = {sheet.cell(row=4, column=c).value: sheet.cell(row=5, column=c).value for c in range(1, 13, 2)}
    assert tiles == TILES
    for chart in charts:
        formulas = re.findall(r"<f>([^<]+)</f>", xml[chart])
        assert formulas, chart
        for formula in formulas:
            name, ref = formula.split("!")
            assert name.strip("'") == "Dashboard"
            cells = sheet[ref.replace("$", "")]
            cells = [cell for row in (cells if isinstance(cells, tuple) else ((cells,),)) for cell in row]
            assert all(cell.value is not None for cell in cells), formula
    aging_chart = next(chart for chart in charts if "Open amount by aging bucket" in xml[chart])
    categories, values = re.findall(r"<f>'Dashboard'!(\$[A-Z]+\$\d+:\$[A-Z]+\$\d+)</f>", xml[aging_chart])
    assert [c.value for (c,) in sheet[categories.replace("$", "")]] == BUCKETS
    assert [c.value for (c,) in sheet[values.replace("$", "")]] == [52000.0, 18000.0, 9500.0, 4000.0, 2500.0, 7000.0]


def test_charts_read_honestly_text_categories_value_axes_from_zero_shares_up_to_100_percent(book_path: Path) -> None:
    """Issue #18: buckets shown as 1/2/3 (categories written as number references), an axis starting at 60 %."""
    write_dashboard(book_path)

    xml = parts(book_path)
    charts = chart_parts(xml, "Dashboard")
    assert len(charts) == 4
    for chart in charts:
        categories = re.findall(r"<(?:c:)?cat>(.*?)</(?:c:)?cat>", xml[chart], re.S)
        assert categories and all("strRef>" in cat and "numRef>" not in cat for cat in categories), chart
        value_axis = re.search(r"<(?:c:)?valAx>(.*?)</(?:c:)?valAx>", xml[chart], re.S).group(1)
        assert re.search(r'<(c:)?min val="0(\.0)?"\s*/>', value_axis), chart
    shares = next(chart for chart in charts if "Paid within 14 days" in xml[chart])
    assert re.search(r'<(c:)?max val="1(\.0)?"\s*/>', xml[shares])


def test_tiles_carry_their_unit_a_number_format_a_note_and_an_n_a_state(book_path: Path) -> None:
    tiles = [
        dashboard.Tile("DSO", 41.2, "days", "#,##0.0", "+3.1 since 2026-10-31"),
        dashboard.Tile("CEI", None, "%", "0.0%", "no payments recorded"),
        dashboard.Tile("Total open", 93000.0, "EUR", "#,##0"),
    ]
    dashboard.write(book_path, tiles=tiles, base_currency="EUR", **analytics())

    sheet = openpyxl.load_workbook(book_path)["Dashboard"]
    shown = [tuple(sheet.cell(row=row, column=column).value for row in (4, 5, 6)) for column in (1, 3, 5)]
    assert shown == [
        ("DSO (days)", 41.2, "+3.1 since 2026-10-31"),
        ("CEI (%)", "n/a", "no payments recorded"),
        ("Total open (EUR)", 93000.0, None),
    ]
    assert sheet.cell(row=5, column=5).data_type == "n" and sheet.cell(row=5, column=5).number_format == "#,##0"


def test_formula_like_text_from_data_is_stored_as_text_not_a_formula(book_path: Path) -> None:
    write_dashboard(book_path)

    xml = parts(book_path)
    dashboard_xml = xml[sheet_part(xml, "Dashboard")]
    assert "<f>" not in dashboard_xml
    sheet = openpyxl.load_workbook(book_path)["Dashboard"]
    texts = [cell.value for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    assert '=HYPERLINK("http://evil.example","GBP")' in texts


def test_every_write_rebuilds_the_dashboard_even_after_the_tables_were_rewritten(book_path: Path) -> None:
    write_dashboard(book_path)
    write_tables(book_path, {"Aging": pd.DataFrame({Aging.BUCKET: ["Current"]})})
    write_dashboard(book_path)
    write_dashboard(book_path)

    xml = parts(book_path)
    assert len(chart_parts(xml, "Dashboard")) == 4
    assert len([name for name in xml if re.fullmatch(r"xl/charts/chart\d+\.xml", name)]) == 4
    assert openpyxl.load_workbook(book_path).sheetnames.count("Dashboard") == 1


def test_an_empty_frame_leaves_a_note_instead_of_a_chart(book_path: Path) -> None:
    frames = analytics()
    frames["effectiveness"] = pd.Series([], name="Paid ≤14d", dtype="float64")
    dashboard.write(book_path, tiles=TILES, base_currency="EUR", **frames)

    assert len(chart_parts(parts(book_path), "Dashboard")) == 3
    sheet = openpyxl.load_workbook(book_path)["Dashboard"]
    assert any("no data yet" in str(cell.value) for row in sheet.iter_rows() for cell in row)


def test_a_workbook_open_in_excel_is_left_alone_and_the_dashboard_goes_to_the_results_file(book_path: Path) -> None:
    before = book_path.read_bytes()
    (book_path.parent / f"~${book_path.name}").write_bytes(b"owner")

    written = write_dashboard(book_path)

    assert written == book_path.with_name("collections.results.xlsx")
    assert book_path.read_bytes() == before
    assert len(chart_parts(parts(written), "Dashboard")) == 4


def test_libreoffice_renders_the_dashboard_page_with_its_charts(book_path: Path, tmp_path: Path) -> None:
    write_dashboard(book_path)
    out = tmp_path / "render"
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to", "pdf",
         "--outdir", str(out), str(book_path)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    pdf = out / "collections.pdf"
    page = _page_with(pdf, "Collections dashboard")

    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page), str(pdf), str(out / "dash")], check=True
    )

    (png,) = out.glob("dash*.png")
    assert png.stat().st_size > 15_000  # a blank landscape page is ~3 kB; four filled charts are far more
    text = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True, text=True
    ).stdout
    for title in ("Open amount by aging bucket", "DSO trend", "Overdue by currency", "Paid within 14 days"):
        assert title in text


def _page_with(pdf: Path, text: str) -> int:
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(re.search(r"Pages:\s+(\d+)", pages).group(1))
    for page in range(1, count + 1):
        found = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True, text=True
        )
        if text in found.stdout:
            return page
    raise AssertionError(f"no page of {pdf.name} shows {text!r}")
