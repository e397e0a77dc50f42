"""Procedures (thủ tục hành chính) offered at units."""
