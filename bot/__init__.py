"""Chat adapters: engine questions to chat messages, taps back to answers."""
