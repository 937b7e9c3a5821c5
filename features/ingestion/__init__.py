"""Bring your own data: source files + a mapping file -> validated contract tables (SPEC §3).

``ingest`` is the entry point; ``load_mapping`` reads and checks a mapping file (format in
docs/data.md). Errors: ``MappingError`` (the mapping is broken; names the field) and
``SourceError`` (the file cannot be read as the mapping says), both ``ValueError``s.
A row that breaks the contract is not an error: it goes to the quarantine file with its reason.
"""

from features.ingestion.ingest import TableReport, ingest
from features.ingestion.mapping import Mapping, MappingError, load_mapping, parse_mapping
from features.ingestion.sources import SourceError

__all__ = [
    "Mapping",
    "MappingError",
    "SourceError",
    "TableReport",
    "ingest",
    "load_mapping",
    "parse_mapping",
]
