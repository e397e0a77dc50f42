"""Handler modules: each exposes setup() -> Router; the dispatcher factory puts them together."""
