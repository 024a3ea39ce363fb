"""The VBA project of the add-in (MS-OVBA): module source in, `xl/vbaProject.bin` bytes out.

    >>> from arcollect.excel.addin.ovba import Module, vba_project
    >>> modules = [Module.for_document("ThisWorkbook", "workbook"), Module("Ribbon", 'Attribute VB_Name = "Ribbon"')]
    >>> blob = vba_project("arcollect", modules)
    >>> blob[:4].hex()
    'd0cf11e0'

The project carries source only, no p-code: every module's performance cache is empty (MODULEOFFSET 0) and
`_VBA_PROJECT` declares version 0xFFFF, which tells the VBA host to ignore any compiled state and compile from
source when the file is first opened (MS-OVBA 2.3.4.1). That is what makes a project written off Windows usable.

Why written here: `ms-ovba` 0.0.1 (PyPI) is a first release that ships type stubs inside a nested copy of itself and
sits on `ms-cfb` and `ms-ovba-compression`, whose compressor breaks on inputs over one chunk; the records needed
are few and fixed, so they are spelled out below, record by record, in the order of MS-OVBA 2.3.4.2.
The project is unprotected: CMG, DPB and GC hold the encrypted forms of "no protection", "no password" and
"visible" (MS-OVBA 2.4.3), with a fixed seed so that the output is reproducible.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from arcollect.excel.addin import cfb
from arcollect.excel.addin.compression import compress

CODE_PAGE = 1252
_ENCODING = "cp1252"
_LCID = 0x0409

_PROCEDURAL = 0x0021
_DOCUMENT = 0x0022

#: The workbook and worksheet classes of the Excel type library: a document module's VB_Base names one of them.
WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"
#: The base every class module of a VBA project names in its VB_Base attribute.
CLASS_BASE = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"

_REFERENCES = (
    ("stdole", r"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\Windows\System32\stdole2.tlb#OLE Automation"),
    (
        "Office",
        r"*\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.8#0#"
        r"C:\Program Files\Common Files\Microsoft Shared\OFFICE16\MSO.DLL#Microsoft Office 16.0 Object Library",
    ),
)
_UNPROTECTED = bytes(4)  # ProjectProtectionState: no protection of any kind
_NO_PASSWORD = bytes(1)  # ProjectPassword: a single null byte means none
_VISIBLE = b"\xff"  # ProjectVisibilityState: the project is visible in the editor
_HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"


@dataclass(frozen=True)
class Module:
    """One VBA module: its name and its source as VBA stores it (attribute lines included, CRLF line ends)."""

    name: str
    source: str
    document: bool = False
    class_module: bool = False

    @classmethod
    def for_document(cls, name: str, kind: str, code: str = "") -> Module:
        """The source Excel gives a fresh document module — `kind` "workbook" (ThisWorkbook) or "worksheet" —
        followed by `code` (CRLF line ends), if any."""
        base = WORKBOOK_BASE if kind == "workbook" else WORKSHEET_BASE
        lines = [
            f'Attribute VB_Name = "{name}"',
            f'Attribute VB_Base = "{base}"',
            "Attribute VB_GlobalNameSpace = False",
            "Attribute VB_Creatable = False",
            "Attribute VB_PredeclaredId = True",
            "Attribute VB_Exposed = True",
            "Attribute VB_TemplateDerived = False",
            "Attribute VB_Customizable = True",
        ]
        return cls(name, "\r\n".join(lines) + "\r\n" + code, document=True)

    @classmethod
    def for_class(cls, exported: str) -> Module:
        """A class module from its exported `.cls` file, in the form the VBA editor stores it.

        The export's `VERSION 1.0 CLASS` / `BEGIN` … `END` block is the file's, not the module's; the stored
        module carries `VB_Base` (the class-module base) and `VB_TemplateDerived`/`VB_Customizable` as well, in the
        editor's order, with the export's other attributes (`VB_Description`) after them.
        """
        lines = exported.replace("\r\n", "\n").split("\n")
        if lines and lines[0].startswith("VERSION "):
            lines = lines[lines.index("END") + 1 :]
        attributes: dict[str, str] = {}
        while lines and lines[0].startswith("Attribute "):
            key, _, value = lines.pop(0).removeprefix("Attribute ").partition(" = ")
            attributes[key] = value
        if "VB_Name" not in attributes:
            raise ValueError("a class module needs Attribute VB_Name")
        name = attributes["VB_Name"].strip('"')
        ordered = {"VB_Name": attributes["VB_Name"], "VB_Base": f'"{CLASS_BASE}"'}
        defaults = {
            "VB_GlobalNameSpace": "False",
            "VB_Creatable": "False",
            "VB_PredeclaredId": "False",
            "VB_Exposed": "False",
            "VB_TemplateDerived": "False",
            "VB_Customizable": "False",
        }
        for key, default in defaults.items():
            ordered[key] = attributes.get(key, default)
        ordered.update({key: value for key, value in attributes.items() if key not in ordered})
        head = [f"Attribute {key} = {value}" for key, value in ordered.items()]
        body = "\r\n".join(lines)
        return cls(name, "\r\n".join(head) + "\r\n" + body, class_module=True)


def vba_project(name: str, modules: Sequence[Module], *, project_id: str | None = None) -> bytes:
    """Return `vbaProject.bin` for `modules`; the same arguments always give the same bytes.

    `project_id` (a braced GUID) defaults to one derived from the project name, so it stays stable across builds.
    """
    if len({m.name.lower() for m in modules}) != len(modules):
        raise ValueError("module names must be unique (VBA ignores case)")
    project_id = project_id or _stable_guid(name)
    vba = {m.name: compress(_encode(m.source)) for m in modules}
    vba["dir"] = compress(dir_stream(name, modules))
    vba["_VBA_PROJECT"] = bytes([0xCC, 0x61, 0xFF, 0xFF, 0x00, 0x00, 0x00])
    root = cfb.Storage(
        "Root Entry",
        {
            "PROJECT": project_stream(name, modules, project_id),
            "PROJECTwm": project_wm_stream(modules),
            "VBA": cfb.Storage("VBA", vba),
        },
    )
    return cfb.write(root)


def _encode(text: str) -> bytes:
    """VBA stores text in the project's code page; say which character is the problem rather than mangle it."""
    try:
        return text.encode(_ENCODING)
    except UnicodeEncodeError as error:
        raise ValueError(
            f"{text[error.start : error.end]!r} cannot be stored in VBA's code page {CODE_PAGE}"
        ) from error


def _stable_guid(seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).hexdigest().upper()
    return f"{{{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}}}"


def _record(record_id: int, data: bytes) -> bytes:
    return struct.pack("<HI", record_id, len(data)) + data


def _text_record(record_id: int, unicode_id: int, text: str) -> bytes:
    """A record in the code page followed by its UTF-16 twin, the shape most string records of `dir` have."""
    return _record(record_id, _encode(text)) + _record(unicode_id, text.encode("utf-16-le"))


def dir_stream(name: str, modules: Sequence[Module]) -> bytes:
    """The decompressed `dir` stream (MS-OVBA 2.3.4.2): project information, references and modules."""
    out = bytearray()
    out += _record(0x0001, struct.pack("<I", 0x00000001))  # PROJECTSYSKIND: Win32
    out += _record(0x0002, struct.pack("<I", _LCID))  # PROJECTLCID
    out += _record(0x0014, struct.pack("<I", _LCID))  # PROJECTLCIDINVOKE
    out += _record(0x0003, struct.pack("<H", CODE_PAGE))  # PROJECTCODEPAGE
    out += _record(0x0004, _encode(name))  # PROJECTNAME
    out += _text_record(0x0005, 0x0040, "")  # PROJECTDOCSTRING
    out += _text_record(0x0006, 0x003D, "")  # PROJECTHELPFILEPATH (both copies empty)
    out += _record(0x0007, struct.pack("<I", 0))  # PROJECTHELPCONTEXT
    out += _record(0x0008, struct.pack("<I", 0))  # PROJECTLIBFLAGS
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)  # PROJECTVERSION: the size field is fixed at 4, then 1.0
    out += _text_record(0x000C, 0x003C, "")  # PROJECTCONSTANTS

    for reference_name, libid in _REFERENCES:
        out += _text_record(0x0016, 0x003E, reference_name)  # REFERENCENAME
        registered = struct.pack("<I", len(libid)) + _encode(libid) + struct.pack("<IH", 0, 0)
        out += _record(0x000D, registered)  # REFERENCEREGISTERED

    out += _record(0x000F, struct.pack("<H", len(modules)))  # PROJECTMODULES
    out += _record(0x0013, struct.pack("<H", 0xFFFF))  # PROJECTCOOKIE
    for module in modules:
        out += _record(0x0019, _encode(module.name))  # MODULENAME
        out += _record(0x0047, module.name.encode("utf-16-le"))  # MODULENAMEUNICODE
        out += _text_record(0x001A, 0x0032, module.name)  # MODULESTREAMNAME
        out += _text_record(0x001C, 0x0048, "")  # MODULEDOCSTRING
        out += _record(0x0031, struct.pack("<I", 0))  # MODULEOFFSET: no performance cache before the source
        out += _record(0x001E, struct.pack("<I", 0))  # MODULEHELPCONTEXT
        out += _record(0x002C, struct.pack("<H", 0xFFFF))  # MODULECOOKIE
        out += _record(_DOCUMENT if module.document or module.class_module else _PROCEDURAL, b"")  # MODULETYPE
        out += _record(0x002B, b"")  # module terminator
    out += _record(0x0010, b"")  # dir terminator
    return bytes(out)


def project_stream(name: str, modules: Sequence[Module], project_id: str) -> bytes:
    """The `PROJECT` stream (MS-OVBA 2.3.1): the project's properties as text, as the VBA editor writes them."""
    lines = [f'ID="{project_id}"']
    lines += [f"Document={m.name}/&H00000000" for m in modules if m.document]
    lines += [f"Module={m.name}" for m in modules if not m.document and not m.class_module]
    lines += [f"Class={m.name}" for m in modules if m.class_module]
    lines += [
        f'Name="{name}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        f'CMG="{encrypt(_UNPROTECTED, project_id)}"',
        f'DPB="{encrypt(_NO_PASSWORD, project_id)}"',
        f'GC="{encrypt(_VISIBLE, project_id)}"',
        "",
        "[Host Extender Info]",
        _HOST_EXTENDER,
        "",
        "[Workspace]",
    ]
    lines += [f"{m.name}=0, 0, 0, 0, C" for m in modules]
    return _encode("\r\n".join(lines) + "\r\n")


def project_wm_stream(modules: Sequence[Module]) -> bytes:
    """The `PROJECTwm` stream (MS-OVBA 2.3.3): each module name in the code page and in UTF-16."""
    out = bytearray()
    for module in modules:
        out += _encode(module.name) + b"\0" + module.name.encode("utf-16-le") + b"\0\0"
    return bytes(out + b"\0\0")


def encrypt(data: bytes, project_id: str, *, seed: int = 0x42) -> str:
    """MS-OVBA 2.4.3.2 data encryption, as hex text: the form of the CMG, DPB and GC values.

    The seed is fixed (the format leaves it to the writer) so the same project gives the same bytes every build.
    """
    project_key = sum(_encode(project_id)) & 0xFF
    version_enc = seed ^ 2
    project_key_enc = seed ^ project_key
    out = bytearray([seed, version_enc, project_key_enc])
    unencrypted, encrypted_1, encrypted_2 = project_key, project_key_enc, version_enc
    ignored = b"\0" * ((seed & 6) // 2)
    for byte in ignored + struct.pack("<I", len(data)) + data:
        byte_enc = byte ^ ((encrypted_2 + unencrypted) & 0xFF)
        out.append(byte_enc)
        encrypted_2, encrypted_1, unencrypted = encrypted_1, byte_enc, byte
    return out.hex().upper()
