"""Server-rendered pages: the citizen form now, the officials' pages later."""
