"""Enumerations whose members carry the words a person reads for them, so that a value and its
label are written once, side by side."""

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A StrEnum declared as `MEMBER = "stored value", "Label on the page"`: the member is its stored
    value (it compares and saves as that string) and `member.label` is its label."""

    def __new__(cls, value, label):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def labels(cls):
        """{member: label} in the order declared: choices for a form, or a lookup by stored value."""
        return {member: member.label for member in cls}
