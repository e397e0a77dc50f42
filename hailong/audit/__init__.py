"""The append-only audit log: who did what, when, on which unit, and why."""
