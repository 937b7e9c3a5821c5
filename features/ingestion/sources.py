"""Source files read in chunks: CSV (utf-8 or cp949), Parquet and Excel (openpyxl).

CSV cells arrive as text so that ids keep their leading zeros and ``1,234`` stays readable;
Parquet and Excel keep their own types, which the value parsers accept as well (a number in an
id column becomes whole-number text; leading zeros it lost cannot come back, see
``features.ingestion.identifiers``). ``Source.columns`` reads a few columns once more, for the
checks that need the whole file before any row is mapped (id collisions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from features.ingestion.mapping import SourceOptions

CHUNK_ROWS = 100_000
_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".xlsm": "excel",
}


class SourceError(ValueError):
    """A source file that cannot be read as the mapping says."""


@dataclass(frozen=True)
class Source:
    path: Path
    header: list[str]
    total_rows: int | None  # known up front for Parquet and Excel
    chunks: Iterator[pd.DataFrame]
    columns: Callable[[list[str]], Iterator[pd.DataFrame]]  # these columns only, in chunks


def source_format(path: Path, options: SourceOptions) -> str:
    fmt = options.format or _EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise SourceError(
            f"{path}: cannot tell the format from {path.suffix!r}; set source.format "
            "(csv, parquet or excel) in the mapping"
        )
    return fmt


def open_source(path: Path, options: SourceOptions, chunk_rows: int = CHUNK_ROWS) -> Source:
    if not path.exists():
        raise SourceError(f"{path}: no such file")
    fmt = source_format(path, options)
    if fmt == "parquet":
        return _parquet(path, chunk_rows)
    if fmt == "excel":
        return _excel(path, options)
    return _csv(path, options, chunk_rows)


def _csv(path: Path, options: SourceOptions, chunk_rows: int) -> Source:
    encoding = (
        "utf-8-sig" if options.encoding.lower().replace("_", "-") == "utf-8" else options.encoding
    )
    read = {
        "sep": options.sep,
        "encoding": encoding,
        "dtype": str,
        "keep_default_na": False,
        "na_values": [""],
        "skiprows": options.skip_rows,
    }
    try:
        header = [str(c) for c in pd.read_csv(path, nrows=0, **read).columns]
    except UnicodeDecodeError:
        raise SourceError(
            f"{path}: not readable as {options.encoding}; Korean exports are often cp949 "
            "(set source.encoding: cp949 in the mapping, or pass --encoding cp949)"
        ) from None

    def chunks(columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
        try:
            yield from pd.read_csv(path, chunksize=chunk_rows, usecols=columns, **read)
        except UnicodeDecodeError as error:
            raise SourceError(f"{path}: not readable as {options.encoding} ({error})") from None

    return Source(path, header, None, chunks(), chunks)


def _parquet(path: Path, chunk_rows: int) -> Source:
    import pyarrow.parquet as pq

    file = pq.ParquetFile(path)

    def batches(columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
        for batch in file.iter_batches(batch_size=chunk_rows, columns=columns):
            yield batch.to_pandas()

    return Source(path, list(file.schema_arrow.names), file.metadata.num_rows, batches(), batches)


def _excel(path: Path, options: SourceOptions) -> Source:
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        raise SourceError("reading Excel needs openpyxl: pip install openpyxl") from None
    sheet = pd.read_excel(
        path,
        sheet_name=options.sheet,
        dtype=object,
        skiprows=options.skip_rows,
        keep_default_na=False,  # "n/a" or "#N/A" in a cell is a value to question, not a gap
        na_values=[""],
    )
    sheet.columns = [str(c) for c in sheet.columns]
    return Source(
        path, list(sheet.columns), len(sheet), iter([sheet]), lambda columns: iter([sheet[columns]])
    )
