"""A patient's reply to their care team goes through the relay outbox too.

`care_messages.to_supervisor` marks a row that carries a patient's reply to the supervisor
handling their incident (written in the transaction that handles the patient's update),
rather than a supervisor's message to the patient. The relay retries both alike.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("care_messages") as batch:
        batch.add_column(
            sa.Column("to_supervisor", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("care_messages") as batch:
        batch.drop_column("to_supervisor")
