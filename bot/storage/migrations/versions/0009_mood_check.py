"""The opt-in daily mood check: its time, and the latest low-mood offer.

`profiles.mood_check_time` is the patient's local time for the daily mood check ("HH:MM";
null: not opted in). `profiles.mood_offer_at` is when the latest just-in-time offer after a
low check rating was made; its one follow-up nudge is planned from it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("profiles") as batch:
        batch.add_column(sa.Column("mood_check_time", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("mood_offer_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("profiles") as batch:
        batch.drop_column("mood_offer_at")
        batch.drop_column("mood_check_time")
