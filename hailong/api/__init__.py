"""The JSON API, version 1, mounted at /api/v1/: for provinces' one-stop software and scripts."""
