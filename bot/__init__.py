"""Stride's Telegram side: configuration, command line, storage and the running bot."""
