"""Clinical content as data: instruments, protocol, scripts, crisis resources, texts.

The innermost layer: it imports nothing from the rest of Stride, and nothing that talks to
Telegram, a database or a scheduler.
"""
