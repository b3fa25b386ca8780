"""Data in and out: the NDJSON format, export and import (row by row and the bulk path)."""
