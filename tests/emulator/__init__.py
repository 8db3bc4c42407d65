"""Tests of the local Bot API emulator (bot/emulator)."""
