"""Inbound webhooks: authenticate, bound, deduplicate, hand to bot/."""
