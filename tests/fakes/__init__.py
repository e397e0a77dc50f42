"""Fake servers of the services we do not own, on 127.0.0.1 over real HTTP."""
