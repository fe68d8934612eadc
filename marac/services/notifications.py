"""Notifications in the app. Messages name records by reference, never a person."""

import sqlalchemy as sa

from models import Notification, Role, User, db
from models.clock import utcnow
from models.users import UserRole, user_areas

PAGE_SIZE = 50


def notify_user(user_id, message, link=None):
    db.session.add(Notification(user_id=user_id, message=message, link=link))


def tell(users, message, link):
    """A notification to each of these users."""
    for user in users:
        notify_user(user.id, message, link)


def notify_area_coordinators(area_id, message, link=None):
    coordinator_ids = db.session.scalars(
        sa.select(User.id)
        .join(user_areas, user_areas.c.user_id == User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(user_areas.c.area_id == area_id, UserRole.role == Role.COORDINATOR, User.is_active)
    ).all()
    for user_id in coordinator_ids:
        notify_user(user_id, message, link)


def unread_count(user_id):
    return db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


def recent(user_id):
    return db.session.scalars(
        sa.select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(PAGE_SIZE)
    ).all()


def own(user_id, notification_id):
    """The user's own notification, else None."""
    return db.session.scalar(
        sa.select(Notification).where(Notification.id == notification_id, Notification.user_id == user_id)
    )


def mark_read(notification):
    notification.read_at = notification.read_at or utcnow()


def mark_all_read(user_id):
    db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
