"""hailong: SIPAS citizen satisfaction surveys for Vietnam's one-stop counters."""

__version__ = "0.1.0"
