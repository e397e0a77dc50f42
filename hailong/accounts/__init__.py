"""Accounts of the office and the API: users, sign-in sessions, API tokens and scope."""
