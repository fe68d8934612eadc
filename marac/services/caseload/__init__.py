"""IDVA caseload: the allocation queue and suggestions, allocation and reopening, contacts and the
contact targets, safety plans, needs, onward referrals, tasks, risk reviews, closure with matched
outcomes, and the figures reports ask for.

Who may see which of these records is decided in marac/services/access.py (`caseload_cases`);
functions here take the clause it returns, or records already checked against it.

Targets are settings (config.py, IDVA_*): triage (allocation) within 48 hours of the referral,
first contact within 2 working days of it, feedback to the victim within 2 working days after
MARAC, a risk review every 8 weeks. Working days are England and Wales ones (workdays.py).

The modules: targets (the settings and the due dates they give), clauses (SQL pieces: the latest
risk assessment, waiting for an IDVA), allocation_queue (capacity, suggestions, the queue),
support (allocation, contacts, safety plan, needs, intake, onward referrals, closure), tasks
(feedback tasks, risk review reminders), pages (the caseload's rows, a case's IDVA tab), figures
(first contact performance, outcomes at closure). Their public names are all here, so callers use
`caseload.X`.
"""

from marac.services.caseload.allocation_queue import (
    NEAR_CAPACITY,
    IdvaLoad,
    QueueItem,
    Suggestion,
    caseload_against_capacity,
    describe_wait,
    previous_idvas,
    queue,
    suggest,
    with_suggestions,
)
from marac.services.caseload.clauses import (
    WAITING_STATUSES,
    awaiting_allocation,
    last_assessment_date,
    latest_assessment,
    referral_received_at,
    waiting_referral,
)
from marac.services.caseload.figures import (
    OUTCOMES,
    FirstContactFigures,
    OutcomeFigures,
    first_contact_performance,
    outcomes_at_closure,
)
from marac.services.caseload.pages import (
    FILTERS,
    SORTS,
    CaseloadRow,
    allocation_summary,
    case_summary,
    caseload_rows,
    filter_and_sort,
)
from marac.services.caseload.support import (
    LEVEL_RANK,
    add_onward_referral,
    allocate,
    close,
    contacts_of,
    current_allocation,
    current_plan,
    ensure_support,
    log_contact,
    match_outcomes,
    needs_of,
    onward_referrals_of,
    open_support,
    plan_versions,
    restorative_justice_problem,
    save_intake,
    save_needs,
    save_plan,
    supports_of,
)
from marac.services.caseload.targets import (
    Targets,
    feedback_due,
    first_contact_due,
    next_contact_due,
    review_due,
)
from marac.services.caseload.tasks import (
    complete_task,
    create_feedback_tasks,
    risk_review_reminders,
    tasks_of,
)

__all__ = [
    "Targets",
    "first_contact_due",
    "feedback_due",
    "next_contact_due",
    "review_due",
    "WAITING_STATUSES",
    "latest_assessment",
    "last_assessment_date",
    "referral_received_at",
    "waiting_referral",
    "awaiting_allocation",
    "NEAR_CAPACITY",
    "IdvaLoad",
    "caseload_against_capacity",
    "Suggestion",
    "suggest",
    "QueueItem",
    "previous_idvas",
    "queue",
    "with_suggestions",
    "describe_wait",
    "current_allocation",
    "open_support",
    "supports_of",
    "ensure_support",
    "allocate",
    "log_contact",
    "contacts_of",
    "current_plan",
    "plan_versions",
    "save_plan",
    "needs_of",
    "save_needs",
    "save_intake",
    "restorative_justice_problem",
    "add_onward_referral",
    "onward_referrals_of",
    "LEVEL_RANK",
    "match_outcomes",
    "close",
    "create_feedback_tasks",
    "tasks_of",
    "complete_task",
    "risk_review_reminders",
    "CaseloadRow",
    "SORTS",
    "FILTERS",
    "caseload_rows",
    "filter_and_sort",
    "case_summary",
    "allocation_summary",
    "FirstContactFigures",
    "first_contact_performance",
    "OutcomeFigures",
    "OUTCOMES",
    "outcomes_at_closure",
]
