"""Zalo Official Account: a client, an event parser and a renderer on the shared chat
conversation (bot/chat/). The webhook is webhook/zalo.py; replies go out through the outbox."""
