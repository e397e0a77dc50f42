"""The citizen web form at /q/<token>."""
