"""Counters (quầy) of a unit's one-stop office and their QR tokens."""
