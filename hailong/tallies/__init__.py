"""Tallies: counts per (period, unit, counter, procedure, channel, question, answer), kept in step
with the answers so the index and the dashboard read O(units), never O(responses)."""
