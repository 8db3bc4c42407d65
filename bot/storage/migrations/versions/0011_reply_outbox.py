"""Durable ordinary replies: the messages an update owes are stored on its inbox row.

`inbox.replies` holds the rendered replies (chat, text, keyboard, pressed message to edit),
written by the same statement that marks the row done; `inbox.replies_state` is null (no
replies), 'pending' (stored, not yet known to be sent) or 'sent'. A crash between the commit
and the send leaves them pending, and the reply sweeper sends them after the restart.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbox") as batch:
        batch.add_column(sa.Column("replies", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("replies_state", sa.String(length=8), nullable=True))
    op.create_index(
        op.f("ix_inbox_replies_state_id"), "inbox", ["replies_state", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_inbox_replies_state_id"), table_name="inbox")
    with op.batch_alter_table("inbox") as batch:
        batch.drop_column("replies_state")
        batch.drop_column("replies")
