"""Administration: areas, agencies, users and the audit log. Admins see no case data here."""

from datetime import timedelta

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from forms.admin import AgencyForm, AreaForm, AuditFilterForm, UserForm
from forms.common import ConfirmForm, choices
from marac.admin import bp
from marac.security import audit, end_user_sessions, form_tokens
from marac.services import accounts, mfa, paging, versions
from marac.services import areas as area_service
from marac.services.versions import StaleRecord
from marac.templating import page_number
from models import Agency, Area, AuditEvent, Role, User, db
from models.clock import day_start


def _get_or_404(model, record_id):
    record = db.session.get(model, record_id)
    if record is None:
        abort(404)
    return record


@bp.route("/")
def index():
    counts = {
        "areas": db.session.scalar(sa.select(sa.func.count(Area.id))),
        "agencies": db.session.scalar(sa.select(sa.func.count(Agency.id))),
        "users": db.session.scalar(sa.select(sa.func.count(User.id))),
    }
    return render_template("admin/index.html", counts=counts)


# Areas


@bp.route("/areas")
def areas():
    rows = db.session.scalars(sa.select(Area).order_by(Area.name)).all()
    return render_template("admin/areas.html", areas=rows)


@bp.route("/areas/new", methods=["GET", "POST"])
@form_tokens.once
def area_new():
    form = AreaForm(
        idva_capacity_per_fte=70,
        meeting_cadence="fortnightly",
        dash_high_threshold=14,
        dash_medium_threshold=10,
        escalation_incident_count=3,
        escalation_window_months=12,
        version=1,
    )
    if form.validate_on_submit():
        if area_service.name_taken(Area, form.name.data):
            form.name.errors.append("An area with this name already exists")
        else:
            area = area_service.save_area(Area(), form.data)
            db.session.flush()
            audit("admin.area_created", record_type="area", record_id=area.id)
            flash("Area added.", "success")
            return form_tokens.made(redirect(url_for("admin.areas")))
    return render_template("admin/area_form.html", form=form, area=None)


@bp.route("/areas/<int:area_id>", methods=["GET", "POST"])
def area_edit(area_id):
    area = _get_or_404(Area, area_id)
    form = AreaForm(obj=area)
    conflict = False
    if form.validate_on_submit():
        if area_service.name_taken(Area, form.name.data, exclude_id=area.id):
            form.name.errors.append("An area with this name already exists")
        else:
            try:
                with versions.saving(area, form.version.data):
                    area_service.save_area(area, form.data)
            except StaleRecord:
                conflict = True
            else:
                audit("admin.area_updated", record_type="area", record_id=area.id)
                db.session.commit()
                flash("Area saved.", "success")
                return redirect(url_for("admin.areas"))
    return _render_edit("admin/area_form.html", form, conflict, area=area)


def _render_edit(template, form, conflict, **context):
    """An edit page; on a conflict, the saved record beside the user's answers, answered 409."""
    if conflict:
        record = next(iter(context.values()))
        form.version.data = record.version
        return render_template(template, form=form, conflict=True, **context), 409
    return render_template(template, form=form, conflict=False, **context)


# Agencies


@bp.route("/agencies")
def agencies():
    rows = db.session.scalars(sa.select(Agency).options(selectinload(Agency.areas)).order_by(Agency.name)).all()
    return render_template("admin/agencies.html", agencies=rows)


@bp.route("/agencies/new", methods=["GET", "POST"])
@form_tokens.once
def agency_new():
    form = AgencyForm(version=1)
    form.area_ids.choices = choices(area_service.area_choices())
    if form.validate_on_submit():
        if area_service.name_taken(Agency, form.name.data):
            form.name.errors.append("An agency with this name already exists")
        else:
            agency = area_service.save_agency(
                Agency(),
                name=form.name.data,
                kind=form.kind.data,
                area_ids=form.area_ids.data,
                is_active=form.is_active.data,
            )
            db.session.flush()
            audit("admin.agency_created", record_type="agency", record_id=agency.id)
            flash("Agency added.", "success")
            return form_tokens.made(redirect(url_for("admin.agencies")))
    return render_template("admin/agency_form.html", form=form, agency=None, conflict=False)


@bp.route("/agencies/<int:agency_id>", methods=["GET", "POST"])
def agency_edit(agency_id):
    agency = _get_or_404(Agency, agency_id)
    form = AgencyForm(obj=agency, area_ids=[area.id for area in agency.areas])
    form.area_ids.choices = choices(area_service.area_choices(keep=[area.id for area in agency.areas]))
    conflict = False
    if form.validate_on_submit():
        if area_service.name_taken(Agency, form.name.data, exclude_id=agency.id):
            form.name.errors.append("An agency with this name already exists")
        else:
            try:
                with versions.saving(agency, form.version.data):
                    area_service.save_agency(
                        agency,
                        name=form.name.data,
                        kind=form.kind.data,
                        area_ids=form.area_ids.data,
                        is_active=form.is_active.data,
                    )
            except StaleRecord:
                conflict = True
            else:
                audit("admin.agency_updated", record_type="agency", record_id=agency.id)
                db.session.commit()
                flash("Agency saved.", "success")
                return redirect(url_for("admin.agencies"))
    return _render_edit("admin/agency_form.html", form, conflict, agency=agency)


# Users


@bp.route("/users")
def users():
    rows = db.session.scalars(sa.select(User).options(selectinload(User.areas)).order_by(User.name)).all()
    return render_template("admin/users.html", users=rows)


def _user_form(user=None, **kwargs):
    form = UserForm(**kwargs)
    keep_agency = user.agency_id if user else None
    keep_areas = user.area_ids if user else ()
    form.agency_id.choices = choices([(0, "Select the agency"), *area_service.agency_choices(keep=keep_agency)])
    form.area_ids.choices = choices(area_service.area_choices(keep=keep_areas))
    return form


@bp.route("/users/new", methods=["GET", "POST"])
@form_tokens.once
def user_new():
    form = _user_form(version=1)
    if form.validate_on_submit():
        if accounts.email_taken(form.email.data):
            form.email.errors.append("A user with this email address already exists")
        else:
            password = accounts.generate_password()
            user = accounts.create_user(
                email=form.email.data,
                name=form.name.data,
                password=password,
                agency=db.session.get(Agency, form.agency_id.data),
                roles=form.roles.data,
                areas=db.session.scalars(sa.select(Area).where(Area.id.in_(form.area_ids.data))),
                must_change_password=True,
            )
            db.session.flush()
            audit("admin.user_created", record_type="user", record_id=user.id)
            # The password is shown once: a second send goes to the user's page instead.
            return form_tokens.made(
                render_template("admin/user_password.html", user=user, password=password, new=True),
                location=url_for("admin.user_edit", user_id=user.id),
            )
    return render_template("admin/user_form.html", form=form, user=None, conflict=False)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id):
    user = _get_or_404(User, user_id)
    form = _user_form(user, obj=user, roles=sorted(user.roles), area_ids=sorted(user.area_ids))
    conflict = False
    if form.validate_on_submit():
        if accounts.email_taken(form.email.data, exclude_id=user.id):
            form.email.errors.append("A user with this email address already exists")
        elif user.id == current_user.id and Role.ADMIN.value not in form.roles.data:
            form.roles.errors.append("You cannot remove your own administrator role: ask another administrator")
        elif user.id == current_user.id and not form.is_active.data:
            form.is_active.errors.append("You cannot deactivate your own account: ask another administrator")
        else:
            try:
                with versions.saving(user, form.version.data):
                    deactivated = accounts.update_user(
                        user,
                        name=form.name.data,
                        email=form.email.data,
                        agency_id=form.agency_id.data,
                        roles=form.roles.data,
                        area_ids=form.area_ids.data,
                        is_active=form.is_active.data,
                    )
            except StaleRecord:
                conflict = True
            else:
                if deactivated:
                    end_user_sessions(user, "deactivated")
                audit("admin.user_updated", record_type="user", record_id=user.id, deactivated=deactivated)
                db.session.commit()
                flash("User saved.", "success")
                return redirect(url_for("admin.users"))
    return _render_edit("admin/user_form.html", form, conflict, user=user, actions_form=ConfirmForm())


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
def user_reset_password(user_id):
    user = _get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    password = accounts.generate_password()
    accounts.set_password(user, password, must_change=True)
    accounts.clear_sign_in_wait(user)
    end_user_sessions(user, "password_reset")
    audit("admin.user_password_reset", record_type="user", record_id=user.id)
    db.session.commit()
    return render_template("admin/user_password.html", user=user, password=password, new=False)


@bp.route("/users/<int:user_id>/reset-two-factor", methods=["POST"])
def user_reset_mfa(user_id):
    """A lost phone: clear the user's authenticator and recovery codes and end their sessions.
    They set it up again at their next sign-in (where it is required)."""
    user = _get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    mfa.reset(user)
    end_user_sessions(user, "mfa_reset")
    audit("admin.user_mfa_reset", record_type="user", record_id=user.id)
    db.session.commit()
    flash(
        f"Two-factor sign-in has been reset for {user.name}. They will set it up again when they next sign in.",
        "success",
    )
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/end-sessions", methods=["POST"])
def user_end_sessions(user_id):
    user = _get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    end_user_sessions(user, "ended_by_admin")
    audit("admin.user_sessions_ended", record_type="user", record_id=user.id)
    db.session.commit()
    flash(f"{user.name} has been signed out everywhere.", "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


# Audit log


@bp.route("/audit")
def audit_log():
    form = AuditFilterForm(request.args)
    user_names = dict(db.session.execute(sa.select(User.id, User.name).order_by(User.name)).all())
    form.user_id.choices = choices([(0, "Any user"), *user_names.items()])
    events = db.session.scalars(sa.select(AuditEvent.event).distinct().order_by(AuditEvent.event)).all()
    form.event.choices = choices([("", "Any event"), *((event, event) for event in events)])
    page = page_number(request.args)

    query = sa.select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    if form.validate():
        if form.user_id.data:
            query = query.where(AuditEvent.user_id == form.user_id.data)
        if form.event.data:
            query = query.where(AuditEvent.event == form.event.data)
        if form.date_from.data:
            query = query.where(AuditEvent.occurred_at >= day_start(form.date_from.data))
        if form.date_to.data:
            query = query.where(AuditEvent.occurred_at < day_start(form.date_to.data + timedelta(days=1)))
    rows, has_next = paging.fetch_page(query, page)
    filters = {key: value for key, value in request.args.items() if key != "page"}
    return render_template(
        "admin/audit.html",
        form=form,
        events=rows,
        user_names=user_names,
        agency_names=area_service.agency_names(),
        page=page,
        has_next=has_next,
        filters=filters,
    )
