"""The survey as a chat, whatever the chat app: screens and buttons as data, typed answers,
the conversation over the survey session, one transaction per delivery.

A chat app adds only a client, an event parser and a renderer on top (bot/telegram/).
"""
