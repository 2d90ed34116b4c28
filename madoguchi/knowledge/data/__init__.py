"""Demo data files (package data; see SOURCE.md)."""
