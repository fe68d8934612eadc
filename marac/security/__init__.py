"""Who may do what: the access policy, server-side sessions, the request gate, security headers.

Deny by default: every endpoint must appear in ACCESS_POLICY (policy.py), and a test walks the URL
map to make sure none is missing. Record-level rules (which cases, which actions) live in the
services (marac/services/access.py).

The modules: policy (ACCESS_POLICY, is_allowed), sessions (signing in and out, the user loader),
gate (enforce_access, before every request; the API's own gate is marac/api/gate.py), headers
(security headers, the CSP nonce), saved_forms (answers kept over a timeout), auditing (audit(),
export_reason()), form_tokens (a form that makes a record, sent twice, makes it once), links
(may_open: whether a user may open a link now). Their public names are all here, so callers use
`security.X`.
"""

from marac.security import form_tokens
from marac.security.auditing import EXPORT_REASONS, audit, export_reason
from marac.security.gate import enforce_access
from marac.security.headers import make_csp_nonce, set_security_headers
from marac.security.links import may_open
from marac.security.policy import (
    ACCESS_POLICY,
    ADMIN,
    PASSWORD_CHANGE_ALLOWED,
    PUBLIC,
    SIGNED_IN,
    SIGNING_IN,
    is_allowed,
)
from marac.security.saved_forms import posted_fields, take_pending_form
from marac.security.sessions import (
    complete_sign_in,
    end_session,
    end_user_sessions,
    load_user,
    pending_sign_in,
    reissue_session,
    safe_next_url,
    start_session,
)

__all__ = [
    "ACCESS_POLICY",
    "ADMIN",
    "PASSWORD_CHANGE_ALLOWED",
    "PUBLIC",
    "SIGNED_IN",
    "SIGNING_IN",
    "is_allowed",
    "EXPORT_REASONS",
    "audit",
    "export_reason",
    "complete_sign_in",
    "end_session",
    "end_user_sessions",
    "reissue_session",
    "load_user",
    "pending_sign_in",
    "safe_next_url",
    "start_session",
    "posted_fields",
    "take_pending_form",
    "enforce_access",
    "make_csp_nonce",
    "set_security_headers",
    "may_open",
    "form_tokens",
]
