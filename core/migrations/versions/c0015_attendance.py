"""attendance: attendance records, leave requests, exit passes, the monthly points ledger;
the daily wage and the direct superior on staff (issue 12: PM-9, KTV-4, KTV-5)

Revision ID: c0015_attendance
Revises: c0017_history_on_behalf
Create Date: 2026-12-02

* ``staff.daily_wage`` (KTV-4's wage days are counted in it) and ``staff.superior_id`` (who
  approves leave and exit passes) are added NULL: existing staff keep their rows.
* ``attendance_records``: one per rostered shift; ``leave_requests``; ``exit_passes``;
  ``points_entries``: append-only, a revocation is a new entry; ``meetings`` and their
  ``roll_call_entries`` (KTV-2, KTV-10); C-3 ``appointments``; generic ``bookings``.

SQLite cannot add a foreign key in place: the ``staff`` change runs in batch mode.
"""

import sqlalchemy as sa
from alembic import op

revision = "c0015_attendance"
down_revision = "c0017_history_on_behalf"
branch_labels = None
depends_on = None

ATTENDANCE = ("present", "late", "absent", "absenteeism", "time_off_in_lieu", "on_leave")
REQUEST = ("requested", "approved", "refused")
LEAVE = ("leave", "time_off_in_lieu")
APPOINTMENT = ("requested", "approved", "refused", "arrived", "cancelled")
BOOKING = ("held", "honoured", "cancelled", "no_show")


def _enum(values: tuple[str, ...], name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch_op:
        batch_op.add_column(sa.Column("daily_wage", sa.Numeric(12, 2), nullable=True))
        batch_op.add_column(sa.Column("superior_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_staff_superior_id_staff"), "staff", ["superior_id"], ["id"]
        )
    op.create_table(
        "leave_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("kind", _enum(LEAVE, "leave_kind"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("late_rule", sa.String(length=16), nullable=True),
        sa.Column("late_reason", sa.Text(), nullable=True),
        sa.Column("status", _enum(REQUEST, "request_status"), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_rule", sa.String(length=16), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        _fk("leave_requests", "site_id", "sites"),
        _fk("leave_requests", "staff_id", "staff"),
        _fk("leave_requests", "shift_id", "shifts"),
        _fk("leave_requests", "decided_by_id", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leave_requests")),
    )
    with op.batch_alter_table("leave_requests") as batch_op:
        batch_op.create_index(batch_op.f("ix_leave_requests_site_id"), ["site_id"])
        batch_op.create_index(batch_op.f("ix_leave_requests_staff_id"), ["staff_id"])
    op.create_table(
        "attendance_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("status", _enum(ATTENDANCE, "attendance_status"), nullable=False),
        sa.Column("minutes_late", sa.Integer(), nullable=False),
        sa.Column("clocked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clocked_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rule", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("left_early_rule", sa.String(length=16), nullable=True),
        sa.Column("left_early_reason", sa.Text(), nullable=True),
        sa.Column("wage_days", sa.Numeric(6, 2), nullable=True),
        sa.Column("wage_deduction", sa.Numeric(12, 2), nullable=True),
        sa.Column("leave_request_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        _fk("attendance_records", "site_id", "sites"),
        _fk("attendance_records", "staff_id", "staff"),
        _fk("attendance_records", "shift_id", "shifts"),
        _fk("attendance_records", "leave_request_id", "leave_requests"),
        _fk("attendance_records", "recorded_by_id", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance_records")),
        sa.UniqueConstraint("shift_id", name=op.f("uq_attendance_records_shift_id")),
    )
    with op.batch_alter_table("attendance_records") as batch_op:
        batch_op.create_index(batch_op.f("ix_attendance_records_site_id"), ["site_id"])
        batch_op.create_index(batch_op.f("ix_attendance_records_staff_id"), ["staff_id"])
        batch_op.create_index("ix_attendance_staff_date", ["staff_id", "business_date"])
    op.create_table(
        "exit_passes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", _enum(REQUEST, "request_status"), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        _fk("exit_passes", "site_id", "sites"),
        _fk("exit_passes", "staff_id", "staff"),
        _fk("exit_passes", "shift_id", "shifts"),
        _fk("exit_passes", "decided_by_id", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exit_passes")),
    )
    with op.batch_alter_table("exit_passes") as batch_op:
        batch_op.create_index(batch_op.f("ix_exit_passes_site_id"), ["site_id"])
        batch_op.create_index(batch_op.f("ix_exit_passes_staff_id"), ["staff_id"])
        batch_op.create_index(batch_op.f("ix_exit_passes_shift_id"), ["shift_id"])
    op.create_table(
        "points_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.Column("points", sa.Numeric(6, 2), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("attendance_id", sa.Integer(), nullable=True),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revokes_id", sa.Integer(), nullable=True),
        _fk("points_entries", "site_id", "sites"),
        _fk("points_entries", "staff_id", "staff"),
        _fk("points_entries", "attendance_id", "attendance_records"),
        _fk("points_entries", "issued_by_id", "staff"),
        _fk("points_entries", "revokes_id", "points_entries"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_entries")),
        sa.UniqueConstraint("revokes_id", name=op.f("uq_points_entries_revokes_id")),
    )
    with op.batch_alter_table("points_entries") as batch_op:
        batch_op.create_index(batch_op.f("ix_points_entries_site_id"), ["site_id"])
        batch_op.create_index("ix_points_staff_month", ["staff_id", "month"])
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("meetings", "site_id", "sites"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
    )
    with op.batch_alter_table("meetings") as batch_op:
        batch_op.create_index(batch_op.f("ix_meetings_site_id"), ["site_id"])
    op.create_table(
        "roll_call_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("room_booking", sa.Boolean(), nullable=False),
        sa.Column("booking_cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("minutes_late", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        _fk("roll_call_entries", "meeting_id", "meetings"),
        _fk("roll_call_entries", "staff_id", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roll_call_entries")),
        sa.UniqueConstraint(
            "meeting_id", "staff_id", name=op.f("uq_roll_call_entries_meeting_id_staff_id")
        ),
    )
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("head_count", sa.Integer(), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("areas", sa.Text(), nullable=False),
        sa.Column("visit_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("made_by_id", sa.Integer(), nullable=True),
        sa.Column("photography_allowed", sa.Boolean(), nullable=False),
        sa.Column("status", _enum(APPOINTMENT, "appointment_status"), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("route_approved_by_id", sa.Integer(), nullable=True),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True),
        _fk("appointments", "site_id", "sites"),
        _fk("appointments", "made_by_id", "staff"),
        _fk("appointments", "approved_by_id", "staff"),
        _fk("appointments", "route_approved_by_id", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
    )
    with op.batch_alter_table("appointments") as batch_op:
        batch_op.create_index(batch_op.f("ix_appointments_site_id"), ["site_id"])
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("booked_by_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("guest_name", sa.String(length=200), nullable=False),
        sa.Column("resource_kind", sa.String(length=40), nullable=False),
        sa.Column("resource", sa.String(length=100), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("status", _enum(BOOKING, "booking_status"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("bookings", "site_id", "sites"),
        _fk("bookings", "booked_by_id", "staff"),
        _fk("bookings", "customer_id", "customers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
    )
    with op.batch_alter_table("bookings") as batch_op:
        batch_op.create_index("ix_bookings_site_date", ["site_id", "business_date"])


def downgrade() -> None:
    op.drop_table("bookings")
    op.drop_table("appointments")
    op.drop_table("roll_call_entries")
    op.drop_table("meetings")
    op.drop_table("points_entries")
    op.drop_table("exit_passes")
    op.drop_table("attendance_records")
    op.drop_table("leave_requests")
    with op.batch_alter_table("staff") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_staff_superior_id_staff"), type_="foreignkey")
        batch_op.drop_column("superior_id")
        batch_op.drop_column("daily_wage")
