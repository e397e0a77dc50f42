"""Responses and their answers: where every channel's data lands."""
