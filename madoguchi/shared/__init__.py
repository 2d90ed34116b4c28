"""Shared by every package: settings, the database base, crypto, clock, cross-cutting records."""
