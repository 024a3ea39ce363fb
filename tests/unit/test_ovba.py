"""MS-OVBA compression and the compound-file writer, checked against the specification and independent readers.

The specification's worked examples (MS-OVBA 3.2) pin the compressor byte for byte; oletools' decompressor, which
has read millions of real Office files, checks everything else; olefile reads back the compound files.
"""

from __future__ import annotations

import io
import random
import warnings

import olefile
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arcollect.excel.addin import cfb
from arcollect.excel.addin.compression import CompressionError, compress
from arcollect.excel.addin.ovba import Module, dir_stream, project_stream, project_wm_stream

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import decompress_stream


def _decompress(data: bytes) -> bytes:
    return bytes(decompress_stream(bytearray(data)))


def test_compression_reproduces_the_specifications_no_compression_example() -> None:
    """MS-OVBA 3.2.1: nothing repeats, so every token is a literal."""
    expected = "01 19 B0 00 61 62 63 64 65 66 67 68 00 69 6A 6B 6C 6D 6E 6F 70 00 71 72 73 74 75 76 2E"
    assert compress(b"abcdefghijklmnopqrstuv.") == bytes.fromhex(expected)


def test_compression_reproduces_the_specifications_normal_compression_example() -> None:
    """MS-OVBA 3.2.2: literals and copy tokens mixed, including matches that overlap the bytes being written."""
    expected = (
        "01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C 00 20 6D 6E 6F 70 06 71 "
        "02 70 04 00 72 73 74 75 76 10 77 78 79 7A 00 2C"
    )
    assert compress(b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa") == bytes.fromhex(expected)


def test_a_run_of_one_byte_is_one_literal_and_one_copy_token() -> None:
    """73 x "a": a literal, then offset 1 / length 72 in a token whose offset takes 4 bits (worked from 2.4.1.3)."""
    assert compress(b"a" * 73) == bytes.fromhex("01 03 B0 02 61 45 00")


def test_empty_input_is_a_bare_signature_byte() -> None:
    assert compress(b"") == b"\x01"
    assert _decompress(compress(b"")) == b""


@pytest.mark.parametrize("size", [1, 4095, 4096, 4097, 8192, 3 * 4096 + 17])
def test_text_of_every_chunk_boundary_size_round_trips_through_oletools(size: int) -> None:
    text = (b"Function AR_BUCKET(due, Optional as_of)\r\n    AR_BUCKET = 1\r\nEnd Function\r\n" * 200)[:size]
    assert _decompress(compress(text)) == text


def test_incompressible_full_chunks_are_stored_raw_and_round_trip() -> None:
    data = random.Random(7).randbytes(3 * 4096)
    packed = compress(data)
    assert packed[1:3] == (0x3FFF).to_bytes(2, "little")  # raw chunk header: flag 0, signature 3, size 4098
    assert _decompress(packed) == data


def test_an_incompressible_short_last_chunk_is_refused_rather_than_padded() -> None:
    with pytest.raises(CompressionError):
        compress(random.Random(8).randbytes(4096 + 4000))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([b"a", b"b", b"Sub ", b"\r\n", b"End Sub", b"    ", b"x"]), max_size=4000))
def test_compressible_inputs_round_trip_through_oletools(pieces: list[bytes]) -> None:
    data = b"".join(pieces)
    assert _decompress(compress(data)) == data


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=20_000))
def test_arbitrary_bytes_round_trip_or_are_refused_for_the_documented_reason(data: bytes) -> None:
    try:
        packed = compress(data)
    except CompressionError:
        assert 3641 <= len(data) % 4096 <= 4095
        return
    assert _decompress(packed) == data


def _tree() -> cfb.Storage:
    vba = {f"Module{i}": f'Attribute VB_Name = "Module{i}"\r\n'.encode() * i for i in range(1, 30)}
    vba |= {"big": bytes(range(256)) * 40, "cutoff": b"c" * 4096, "below": b"b" * 4095, "empty": b""}
    return cfb.Storage("Root Entry", {"PROJECT": b'ID="{x}"\r\n', "PROJECTwm": b"\0\0", "VBA": cfb.Storage("VBA", vba)})


def test_olefile_reads_back_every_storage_and_stream_of_a_written_compound_file() -> None:
    tree = _tree()
    ole = olefile.OleFileIO(io.BytesIO(cfb.write(tree)), raise_defects=olefile.DEFECT_INCORRECT)
    vba = tree.children["VBA"]
    assert isinstance(vba, cfb.Storage)
    expected = {("PROJECT",), ("PROJECTwm",)} | {("VBA", name) for name in vba.children}
    assert {tuple(path) for path in ole.listdir()} == expected
    assert ole.openstream("PROJECT").read() == tree.children["PROJECT"]
    for name, data in vba.children.items():
        assert ole.openstream(f"VBA/{name}").read() == data, name
    assert ole.get_type("VBA") == olefile.STGTY_STORAGE


def test_small_streams_live_in_the_mini_stream_and_large_ones_in_sectors() -> None:
    ole = olefile.OleFileIO(io.BytesIO(cfb.write(_tree())))
    assert ole.get_size("VBA/below") == 4095
    assert ole.get_size("VBA/cutoff") == 4096
    assert ole.root.isectStart != olefile.ENDOFCHAIN  # the root entry holds the mini stream
    assert ole.minisectorcutoff == 4096


def test_the_same_tree_gives_the_same_bytes() -> None:
    assert cfb.write(_tree()) == cfb.write(_tree())


def test_invalid_entry_names_are_refused() -> None:
    with pytest.raises(cfb.CfbError):
        cfb.write(cfb.Storage("Root Entry", {"a/b": b""}))


def test_project_streams_list_document_and_procedural_modules_as_the_editor_does() -> None:
    modules = [Module.for_document("ThisWorkbook", "workbook"), Module("Ribbon", "Sub A()\r\nEnd Sub\r\n")]
    text = project_stream("arcollect", modules, "{00000000-0000-0000-0000-000000000000}").decode("cp1252")
    assert "Document=ThisWorkbook/&H00000000\r\n" in text
    assert "Module=Ribbon\r\n" in text
    assert 'Name="arcollect"\r\n' in text
    assert project_wm_stream(modules) == b"ThisWorkbook\0" + "ThisWorkbook".encode("utf-16-le") + b"\0\0" + (
        b"Ribbon\0" + "Ribbon".encode("utf-16-le") + b"\0\0\0\0"
    )
    directory = dir_stream("arcollect", modules)
    assert directory.endswith(b"\x10\x00\x00\x00\x00\x00")  # dir terminator
    assert b"\x21\x00\x00\x00\x00\x00" in directory and b"\x22\x00\x00\x00\x00\x00" in directory  # MODULETYPEs
