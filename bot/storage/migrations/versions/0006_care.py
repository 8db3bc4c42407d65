"""The care team's side: invites, incidents, relayed messages, plan adjustments, supervisors.

Readiness clearance and treatment resistance use the columns 0005 added to profiles.

Written by hand in the style of 0001 from bot/storage/care_models.py and the new columns in
bot/storage/models.py; column changes go through batch_alter_table so SQLite rebuilds the
table where it cannot ALTER.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _patient_fk(table: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["patient_id"],
        ["patients.id"],
        name=op.f(f"fk_{table}_patient_id_patients"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.add_column(sa.Column("clinic_ref", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("clinician_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("phone", sa.String(length=32), nullable=True))
        batch.add_column(
            sa.Column("discharged_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("profiles") as batch:
        batch.add_column(
            sa.Column("phase_held", sa.Boolean(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("escalations") as batch:
        batch.add_column(sa.Column("incident_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("outcome", sa.String(length=32), nullable=True))
        batch.add_column(
            sa.Column("reminders", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(
            sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("handler_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("seen", sa.JSON(none_as_null=True), nullable=True))
        batch.create_foreign_key(
            op.f("fk_escalations_incident_id_escalations"),
            "escalations",
            ["incident_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(op.f("ix_escalations_incident_id"), ["incident_id"])
    op.create_table(
        "invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("clinic_ref", sa.String(length=64), nullable=False),
        sa.Column("clinician_id", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        _patient_fk("invites", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invites")),
        sa.UniqueConstraint("code", name=op.f("uq_invites_code")),
    )
    op.create_index(op.f("ix_invites_patient_id"), "invites", ["patient_id"])
    op.create_table(
        "care_sessions",
        sa.Column("supervisor_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _patient_fk("care_sessions"),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_care_sessions_escalation_id_escalations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("supervisor_id", name=op.f("pk_care_sessions")),
    )
    op.create_index(op.f("ix_care_sessions_patient_id"), "care_sessions", ["patient_id"])
    op.create_table(
        "plan_adjustments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("value", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        _patient_fk("plan_adjustments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_adjustments")),
    )
    op.create_index(
        op.f("ix_plan_adjustments_patient_id"), "plan_adjustments", ["patient_id"]
    )
    op.create_table(
        "supervisors",
        sa.Column("telegram_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("telegram_id", name=op.f("pk_supervisors")),
    )


def downgrade() -> None:
    op.drop_table("supervisors")
    op.drop_table("plan_adjustments")
    op.drop_table("care_sessions")
    op.drop_table("invites")
    with op.batch_alter_table("escalations") as batch:
        batch.drop_index(op.f("ix_escalations_incident_id"))
        batch.drop_constraint(op.f("fk_escalations_incident_id_escalations"), type_="foreignkey")
        for column in ("seen", "handler_id", "reminded_at", "reminders", "outcome"):
            batch.drop_column(column)
        batch.drop_column("incident_id")
    with op.batch_alter_table("profiles") as batch:
        batch.drop_column("phase_held")
    with op.batch_alter_table("patients") as batch:
        for column in ("discharged_at", "phone", "clinician_id", "clinic_ref"):
            batch.drop_column(column)
