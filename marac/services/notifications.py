"""Notifications in the app, and the emails that tell of them as each user chooses
(models.users.NotificationDelivery): as each happens, in a daily digest, or not at all. Messages
name records by reference, never a person; an email is a count and a link (services/mail.py)."""

import sqlalchemy as sa
from flask import current_app

from marac.services import mail
from models import Notification, Role, User, db
from models.clock import utcnow
from models.users import NotificationDelivery, UserRole, user_areas

PAGE_SIZE = 50


def notify_user(user_id, message, link=None):
    db.session.add(Notification(user_id=user_id, message=message, link=link))


def tell(users, message, link, *, email_subject=None):
    """A notification to each of these users; with `email_subject`, also one email to those who
    take their notices by email as each happens (one agency's people at a time, so that nobody
    sees another agency's addresses). Returns how many were told."""
    users = list(users)
    for user in users:
        notify_user(user.id, message, link)
    by_email = [user.email for user in users if user.notification_delivery == NotificationDelivery.EMAIL]
    if email_subject and by_email:
        mail.send(by_email, email_subject, f"{message}.\n\nSign in to see it: {_service_url()}{link}\n")
    return len(users)


def _service_url():
    return current_app.config["SERVICE_URL"]


def send_digests(now):
    """Scheduled daily: to each user who chose a digest, one email saying how many notifications
    they have had since their last digest and not read yet (none, no email). A count and a link."""
    since = sa.func.coalesce(User.digest_sent_at, User.created_at)
    counts = (
        sa.select(User.id.label("user_id"), sa.func.count(Notification.id).label("count"))
        .join(Notification, Notification.user_id == User.id)
        .where(
            User.is_active,
            User.notification_delivery == NotificationDelivery.DIGEST,
            Notification.read_at.is_(None),
            Notification.created_at > since,
            Notification.created_at <= now,
        )
        .group_by(User.id)
        .subquery()
    )
    waiting = db.session.execute(
        sa.select(User, counts.c.count).join(counts, counts.c.user_id == User.id).order_by(User.id)
    ).all()
    for user, count in waiting:
        new = "1 new notification" if count == 1 else f"{count} new notifications"
        mail.send(
            user.email,
            f"MARAC: {new}",
            f"You have {new} in the MARAC service.\n\nSign in to see them: {_service_url()}/notifications\n",
        )
        user.digest_sent_at = now
    return {"digests": len(waiting)}


def set_delivery(user, delivery):
    user.notification_delivery = NotificationDelivery(delivery)


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
