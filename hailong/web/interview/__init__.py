"""The enumerator's interview pages at /interview/: they keep working offline."""
