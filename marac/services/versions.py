"""Versioned records (optimistic locking): a saved edit moves the record's version on, and a form
that showed an older version finds out (StaleRecord, the conflict page or 409)."""


class StaleRecord(Exception):
    """Someone saved the record since the form was shown (optimistic locking)."""


def bump_version(record):
    """A saved edit moves the record on: forms showing the old version will see a conflict."""
    if record.id is not None:
        record.version += 1
