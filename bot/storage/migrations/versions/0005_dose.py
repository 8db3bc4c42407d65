"""The dose follows the patient: ladder step, supervisor clearance, TRD flag, safety flag.

`profiles.start_step` (null until the first progression decision) places a patient on the
start-low step below phase 1; `medical_clearance_at/by` record a supervisor's clearance that
lifts the hold a readiness "yes" or a safety flag puts on stepping up;
`treatment_resistant` is set by a supervisor; `safety_flag_at` is when the latest urgent
escalation (item 9, risk language, /sos) was raised.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("profiles") as batch:
        batch.add_column(sa.Column("start_step", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("medical_clearance_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("medical_clearance_by", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column(
                "treatment_resistant",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
        batch.add_column(sa.Column("safety_flag_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("profiles") as batch:
        batch.alter_column("treatment_resistant", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("profiles") as batch:
        batch.drop_column("safety_flag_at")
        batch.drop_column("treatment_resistant")
        batch.drop_column("medical_clearance_by")
        batch.drop_column("medical_clearance_at")
        batch.drop_column("start_step")
