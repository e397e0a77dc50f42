"""Enumerators (điều tra viên): their units, their interviews, offline ones included."""
