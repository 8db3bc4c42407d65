"""The durable inbox: every Telegram update is stored before Telegram is told it arrived.

- `intake`: raw update → screened for risk → committed (retried while the database is down);
- `poller` / `webhook`: the two transports; each confirms an update only after `intake`
  committed it (the getUpdates offset moves, or the webhook answers 200);
- `dispatcher`: fair per-patient queues; risk rows jump the line; each row is handled once, in
  its own transaction (`claim`), retried on transient database errors, and on a lasting
  failure the patient is told to try again and the row is kept for inspection;
- `serve`: runs the Application with these instead of python-telegram-bot's `Updater`.
"""
