"""The survey session: one way to start, answer and finish a response, for every channel."""
