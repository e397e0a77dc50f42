"""Questionnaire versions stored in the database, parsed by the survey engine."""
