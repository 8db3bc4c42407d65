"""The flows of Stride as `transitions` tables: pure, no Telegram, no database.

Each flow is declared once as data (Enum states, verb triggers, named guards) and run on a
plain serialisable model rebuilt for every update from what storage kept.
"""
