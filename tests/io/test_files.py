"""Reading files: what a path is, encodings detected or refused, raw reader
errors turned into errors that name the file and line."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from dispatch import InputError
from dispatch.io.files import checked_file, csv_rows, decode, open_text
from dispatch.io.tables import read_table


def test_utf8_with_bom_gbk_and_utf16_headers_read_alike(tmp_path: Path) -> None:
    text = "报警时间,村\n2024/7/1 10:05,水市\n"
    for name, data in (
        ("bom.csv", text.encode("utf-8-sig")),  # as Excel saves "CSV UTF-8"
        ("gbk.csv", text.encode("gbk")),  # as Chinese Windows saves CSV
        ("gb18030.csv", text.encode("gb18030")),
        ("utf16.csv", text.encode("utf-16")),  # Excel's "Unicode text"
    ):
        (tmp_path / name).write_bytes(data)
        table = read_table(tmp_path / name)
        assert table.headers == ["报警时间", "村"] and table.rows == [["2024/7/1 10:05", "水市"]], name


def test_a_gzipped_csv_reads_like_the_plain_one(tmp_path: Path) -> None:
    (tmp_path / "a.csv.gz").write_bytes(gzip.compress(b"id,x\n1,2\n"))
    assert read_table(tmp_path / "a.csv.gz").rows == [["1", "2"]]


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing.csv", "does not exist"),  # no such file
        (lambda p: p, "is a folder, not a file"),  # a directory
        (_fifo, r"is a FIFO \(named pipe\), not a file"),  # a FIFO would block a reader forever
        (lambda p: Path("/dev/null"), "is a character device, not a file"),  # a device
    ],
)
def test_what_a_path_is_is_said(tmp_path: Path, make: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        checked_file(make(tmp_path))  # type: ignore[operator]


@pytest.mark.parametrize(
    ("data", "encoding", "message"),
    [
        (b"\x00\x01\x02binary\xff\x00", None, "holds binary data, not text"),  # a binary file
        ("村,人口\n".encode("gbk") + "水市,5\n".encode(), None, r"mixes encodings: line\(s\) \[2\] are UTF-8"),  # mixed
        (b"\xff\xfe\x00\xd8", None, "starts like UTF-16 but does not decode"),  # broken UTF-16
        ("村\n".encode("gbk"), "utf-8", r"is not in utf-8 \(line 1 does not decode\); give its real encoding"),  # wrong
        (b"id\n1\n", "klingon", "unknown encoding 'klingon'"),  # an encoding Python does not know
        (b"\x80\x80\x80\xff\n", None, "neither UTF-8 nor GBK/GB18030"),  # neither
    ],
)
def test_undecodable_text_names_the_file_and_suggests_an_encoding(
    data: bytes, encoding: str | None, message: str
) -> None:
    with pytest.raises(InputError, match=message) as caught:
        decode(data, "'calls.csv'", encoding)
    assert "calls.csv" in str(caught.value)


def test_a_corrupt_gzip_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "roads.nodes.csv.gz"
    whole = gzip.compress("".join(f"{i},{i * 37 % 1000},{i * 91 % 997}\n" for i in range(5_000)).encode())
    path.write_bytes(whole[: len(whole) // 2])  # cut short, as by a failed download
    with pytest.raises(InputError, match=r"roads.nodes.csv.gz' is not a valid gzip file"):
        open_text(path)


def test_a_csv_field_over_the_csv_limit_names_its_line() -> None:
    text = 'id,name\n1,ok\n2,"' + "x" * 200_000 + '"\n'
    with pytest.raises(InputError, match=r"'big.csv', line 3: field larger than field limit"):
        csv_rows(text, "'big.csv'")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("empty.csv", "", "is empty"),  # an empty file
        ("header.csv", "id,name\n", "is empty: it has no rows below its header"),  # a header alone
        ("wide.csv", "id\n1,2\n", "rows with more cells than the header"),  # a row too long
        ("old.xls", "x", "old .xls workbook"),  # the old Excel format
        ("a.docx", "x", "cannot read .docx"),  # an unknown format
        ("deep.geojson", "[" * 100_000 + "]" * 100_000, "nested too deeply"),  # a RecursionError in json
    ],
)
def test_files_that_cannot_be_tables_are_named(tmp_path: Path, name: str, text: str, message: str) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(InputError, match=message) as caught:
        read_table(tmp_path / name)
    assert name in str(caught.value)
