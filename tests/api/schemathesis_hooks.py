"""Schemathesis checks of our own, loaded through SCHEMATHESIS_HOOKS by test_schemathesis.py.

The run's token, its scopes and its user's agency come in the environment. Beyond Schemathesis's
own checks (no 5xx, answers as described, unknown methods refused, auth not ignored...):
- an operation outside the token's scopes answers 403 (or 404 when the address does not exist);
- no answer holds another agency's referral or action;
and generated record ids are often folded into the range the demo data uses, so that other
agencies' records are asked for, not only ids that do not exist.
"""

import os

import schemathesis

TOKEN = os.environ.get("MARAC_API_TOKEN", "")
SCOPES = frozenset(os.environ.get("MARAC_API_SCOPES", "").split())
AGENCY_ID = int(os.environ.get("MARAC_API_AGENCY_ID", "0"))
ID_RANGE = int(os.environ.get("MARAC_API_ID_RANGE", "0"))


def _sent_our_token(response):
    return response.request.headers.get("Authorization") == f"Bearer {TOKEN}"


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    if not ID_RANGE or not path_parameters:
        return path_parameters
    return {
        name: value % ID_RANGE + 1
        if isinstance(value, int) and not isinstance(value, bool) and value > ID_RANGE and value % 4
        else value
        for name, value in path_parameters.items()
    }


@schemathesis.check
def scope_is_enforced(ctx, response, case):
    """An operation outside the token's scopes is refused."""
    scope = case.operation.definition.raw.get("x-scope")
    if scope is None or scope in SCOPES or not _sent_our_token(response):
        return None
    if response.request.method != case.operation.method.upper():
        return None  # a probe with another method (405 is checked by Schemathesis itself)
    if response.status_code not in (403, 404):
        raise AssertionError(
            f"{case.operation.label} needs the scope {scope}, which this token does not have, "
            f"but answered {response.status_code}"
        )
    return None


def _agency_ids(value, found):
    if isinstance(value, dict):
        for key in ("referring_agency", "owner_agency"):
            if isinstance(value.get(key), dict):
                found.append((key, value[key].get("id")))
        for item in value.values():
            _agency_ids(item, found)
    elif isinstance(value, list):
        for item in value:
            _agency_ids(item, found)
    return found


@schemathesis.check
def only_own_agency_records(ctx, response, case):
    """A referral or an action of another agency is never in an answer."""
    if not 200 <= response.status_code < 300 or not AGENCY_ID:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    if "json" not in content_type:
        return None
    strangers = [(key, agency) for key, agency in _agency_ids(response.json(), []) if agency != AGENCY_ID]
    if strangers:
        raise AssertionError(f"{case.operation.label} answered with another agency's records: {strangers[:3]}")
    return None
