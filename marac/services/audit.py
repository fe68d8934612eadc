"""Writing the audit trail. Callers pass ids, counts and field names, never personal data."""

from models import AuditEvent, db


def record(event, *, user=None, ip_address=None, record_type=None, record_id=None, **detail):
    """Add one audit event to the session; it is committed with the change it describes."""
    db.session.add(
        AuditEvent(
            event=event,
            user_id=user.id if user else None,
            agency_id=user.agency_id if user else None,
            roles=",".join(sorted(user.roles)) if user else None,
            ip_address=ip_address,
            record_type=record_type,
            record_id=record_id,
            detail=detail or None,
        )
    )
