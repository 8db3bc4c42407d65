"""What Stride says and asks: conversation logic, transport-neutral.

A dialog takes a patient's loaded state and one input, mutates the state, and returns the
screens to show and the records to store. It never talks to Telegram or a database, so
every conversation is testable in memory.
"""
