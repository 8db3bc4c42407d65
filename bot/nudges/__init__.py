"""Scheduled nudges at the edge: the database holds the schedule, a minute tick works it.

- `planning`: extends each patient's planned horizon (pure rules in `dialogs.nudges`) and
  plans the supervisors' weekly digest;
- `delivery`: sends due slots exactly once (claim, send, mark), paced by `pacing`, its
  transactions taking turns (`serial`);
- `runner`: the APScheduler job (through PTB's JobQueue) and `tick`, which the sandbox calls
  after moving the clock.
"""
