"""The OOXML package (`.xlam` zip) around the VBA project and the ribbon.

    >>> from arcollect.excel.addin.package import xlam
    >>> data = xlam(vba_project=b"...", custom_ui=b"<customUI .../>", xlwings="0.37.8")
    >>> data[:2]
    b'PK'

An add-in is a macro-enabled workbook whose main part has the add-in content type; it still needs one worksheet.
The parts are the smallest set Excel writes itself, with `codeName`s that tie the document modules `ThisWorkbook`
and `Sheet1` to the workbook and its sheet. The ribbon uses the Office 2010 schema (`customUI14.xml`, namespace
2009/07, relationship `.../2007/relationships/ui/extensibility`): it is what Excel 2010+ on Windows and Excel 2016+
on macOS read, and it allows everything the 2006 schema does.

The xlwings version whose VBA module the add-in carries is recorded as the custom document property `xlwings`
(`xlwings_version` reads it back; Excel shows it under File > Info > Properties > Advanced): that module loads
`xlwings64-<version>.dll`, so the add-in works only with that xlwings installed, and `arcollect addin install`
checks it.

Every zip entry has a fixed timestamp, mode and order, and the document properties carry no dates, so the same
inputs give the same bytes — `workbook/arcollect.xlam` is committed and a test rebuilds it to compare. Entries are
stored, not deflated: deflate output differs between zlib builds (zlib-ng, for one), which would make the committed
file "stale" on some machines; the module sources inside `vbaProject.bin` are compressed already, so the add-in
stays small.
"""

from __future__ import annotations

import io
import zipfile
from html import escape
from pathlib import Path

from defusedxml import ElementTree as DefusedET

CUSTOM_UI_PART = "customUI/customUI14.xml"
CUSTOM_UI_RELATIONSHIP = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
VBA_PROJECT_RELATIONSHIP = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
ADDIN_CONTENT_TYPE = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
VBA_PROJECT_CONTENT_TYPE = "application/vnd.ms-office.vbaProject"
CUSTOM_PROPERTIES_PART = "docProps/custom.xml"
XLWINGS_PROPERTY = "xlwings"

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHEET_CODE_NAME = "Sheet1"
_WORKBOOK_CODE_NAME = "ThisWorkbook"

_CONTENT_TYPES = f"""<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Default Extension="bin" ContentType="{VBA_PROJECT_CONTENT_TYPE}"/>
<Override PartName="/xl/workbook.xml" ContentType="{ADDIN_CONTENT_TYPE}"/>
<Override PartName="/xl/worksheets/sheet1.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/styles.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
<Override PartName="/docProps/app.xml" \
ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>
<Override PartName="/docProps/custom.xml" \
ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/>
</Types>"""

_ROOT_RELS = f"""<Relationships xmlns="{_PACKAGE_RELS}">
<Relationship Id="rId1" Type="{_DOC_RELS}/officeDocument" Target="xl/workbook.xml"/>
<Relationship Id="rId2" Type="{_PACKAGE_RELS}/metadata/core-properties" Target="docProps/core.xml"/>
<Relationship Id="rId3" Type="{_DOC_RELS}/extended-properties" Target="docProps/app.xml"/>
<Relationship Id="rId4" Type="{CUSTOM_UI_RELATIONSHIP}" Target="{CUSTOM_UI_PART}"/>
<Relationship Id="rId5" Type="{_DOC_RELS}/custom-properties" Target="{CUSTOM_PROPERTIES_PART}"/>
</Relationships>"""

_WORKBOOK = f"""<workbook xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}">
<workbookPr codeName="{_WORKBOOK_CODE_NAME}"/>
<bookViews><workbookView xWindow="0" yWindow="0" windowWidth="16384" windowHeight="8192"/></bookViews>
<sheets><sheet name="{_SHEET_CODE_NAME}" sheetId="1" r:id="rId1"/></sheets>
<calcPr calcId="191029"/>
</workbook>"""

_WORKBOOK_RELS = f"""<Relationships xmlns="{_PACKAGE_RELS}">
<Relationship Id="rId1" Type="{_DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{_DOC_RELS}/styles" Target="styles.xml"/>
<Relationship Id="rId3" Type="{VBA_PROJECT_RELATIONSHIP}" Target="vbaProject.bin"/>
</Relationships>"""

_SHEET = f"""<worksheet xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}">
<sheetPr codeName="{_SHEET_CODE_NAME}"/>
<dimension ref="A1"/>
<sheetViews><sheetView workbookViewId="0"/></sheetViews>
<sheetFormatPr defaultRowHeight="15"/>
<sheetData/>
<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>
</worksheet>"""

_STYLES = f"""<styleSheet xmlns="{_MAIN}">
<fonts count="1"><font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
<dxfs count="0"/>
<tableStyles count="0"/>
</styleSheet>"""

_CORE = """<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" \
xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<dc:title>arcollect</dc:title>
<dc:subject>Accounts-receivable collections</dc:subject>
<dc:creator>arcollect</dc:creator>
</cp:coreProperties>"""

_APP = """<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" \
xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">
<Application>Microsoft Excel</Application>
<DocSecurity>0</DocSecurity>
<ScaleCrop>false</ScaleCrop>
<Company></Company>
<LinksUpToDate>false</LinksUpToDate>
<SharedDoc>false</SharedDoc>
<HyperlinksChanged>false</HyperlinksChanged>
<AppVersion>16.0300</AppVersion>
</Properties>"""


_CUSTOM_NAMESPACE = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT_NAMESPACE = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_PROPERTY_FORMAT = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the FMTID every custom document property uses


def _custom(properties: dict[str, str]) -> str:
    items = "".join(
        f'<property fmtid="{_PROPERTY_FORMAT}" pid="{pid}" name="{escape(name, quote=True)}">'
        f"<vt:lpwstr>{escape(value)}</vt:lpwstr></property>\n"
        for pid, (name, value) in enumerate(sorted(properties.items()), start=2)
    )
    return f'<Properties xmlns="{_CUSTOM_NAMESPACE}" xmlns:vt="{_VT_NAMESPACE}">\n{items}</Properties>'


def xlwings_version(path: str | Path) -> str | None:
    """The xlwings version an add-in built by arcollect records, or None (not ours, or built before it did)."""
    try:
        with zipfile.ZipFile(path) as archive:
            data = archive.read(CUSTOM_PROPERTIES_PART)
    except (KeyError, OSError, zipfile.BadZipFile):
        return None
    root = DefusedET.fromstring(data)
    for item in root.iter(f"{{{_CUSTOM_NAMESPACE}}}property"):
        if item.get("name") == XLWINGS_PROPERTY:
            return "".join(item.itertext()).strip() or None
    return None


def _xml(text: str) -> bytes:
    return (_DECLARATION + text + "\n").encode("utf-8")


def xlam(*, vba_project: bytes, custom_ui: bytes, xlwings: str) -> bytes:
    """Return the bytes of an `.xlam` holding `vba_project` (vbaProject.bin), the ribbon XML `custom_ui` and the
    version of the xlwings whose VBA module it carries."""
    parts = [
        ("[Content_Types].xml", _xml(_CONTENT_TYPES)),
        ("_rels/.rels", _xml(_ROOT_RELS)),
        ("docProps/app.xml", _xml(_APP)),
        ("docProps/core.xml", _xml(_CORE)),
        (CUSTOM_PROPERTIES_PART, _xml(_custom({XLWINGS_PROPERTY: xlwings}))),
        ("xl/workbook.xml", _xml(_WORKBOOK)),
        ("xl/_rels/workbook.xml.rels", _xml(_WORKBOOK_RELS)),
        ("xl/worksheets/sheet1.xml", _xml(_SHEET)),
        ("xl/styles.xml", _xml(_STYLES)),
        ("xl/vbaProject.bin", vba_project),
        (CUSTOM_UI_PART, custom_ui),
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 0
            info.external_attr = 0
            archive.writestr(info, data)
    return buffer.getvalue()
