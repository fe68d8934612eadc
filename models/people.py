"""People: victims, perpetrators and children, each one record however many cases they are in."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, Versioned, db
from models.clock import utcnow
from models.labels import LabelledEnum

NAME_MAX = 100


class Gender(LabelledEnum):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    NON_BINARY = "non_binary", "Non-binary"
    OTHER = "other", "Another gender"
    PREFER_NOT_TO_SAY = "prefer_not_to_say", "Prefer not to say"


GENDER_LABELS = Gender.labels()


class YesNoPreferNot(LabelledEnum):
    YES = "yes", "Yes"
    NO = "no", "No"
    PREFER_NOT_TO_SAY = "prefer_not_to_say", "Prefer not to say"


YES_NO_PREFER_NOT_LABELS = YesNoPreferNot.labels()

# ONS 2021 census ethnic groups (England and Wales): (code, label, group, racially minoritised).
# "Racially minoritised" follows the MARAC data return: every group other than White British,
# Irish and other White backgrounds; Gypsy, Irish Traveller and Roma are counted as minoritised.
ETHNICITIES = [
    ("white_british", "English, Welsh, Scottish, Northern Irish or British", "White", False),
    ("white_irish", "Irish", "White", False),
    ("white_gypsy_traveller", "Gypsy or Irish Traveller", "White", True),
    ("white_roma", "Roma", "White", True),
    ("white_other", "Any other White background", "White", False),
    ("mixed_white_black_caribbean", "White and Black Caribbean", "Mixed or Multiple ethnic groups", True),
    ("mixed_white_black_african", "White and Black African", "Mixed or Multiple ethnic groups", True),
    ("mixed_white_asian", "White and Asian", "Mixed or Multiple ethnic groups", True),
    ("mixed_other", "Any other Mixed or Multiple ethnic background", "Mixed or Multiple ethnic groups", True),
    ("asian_indian", "Indian", "Asian or Asian British", True),
    ("asian_pakistani", "Pakistani", "Asian or Asian British", True),
    ("asian_bangladeshi", "Bangladeshi", "Asian or Asian British", True),
    ("asian_chinese", "Chinese", "Asian or Asian British", True),
    ("asian_other", "Any other Asian background", "Asian or Asian British", True),
    ("black_caribbean", "Caribbean", "Black, Black British, Caribbean or African", True),
    ("black_african", "African", "Black, Black British, Caribbean or African", True),
    (
        "black_other",
        "Any other Black, Black British or Caribbean background",
        "Black, Black British, Caribbean or African",
        True,
    ),
    ("other_arab", "Arab", "Other ethnic group", True),
    ("other_any", "Any other ethnic group", "Other ethnic group", True),
    ("prefer_not_to_say", "Prefer not to say", "", False),
]
ETHNICITY_LABELS = {code: label for code, label, _group, _minoritised in ETHNICITIES}
RACIALLY_MINORITISED = frozenset(code for code, _label, _group, minoritised in ETHNICITIES if minoritised)


class Person(Versioned, db.Model):
    __tablename__ = "people"
    __table_args__ = (sa.Index("ix_people_names", "last_name", "first_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    last_name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    date_of_birth: Mapped[date | None] = mapped_column(index=True)
    gender: Mapped[str | None] = mapped_column(sa.String(20))
    ethnicity: Mapped[str | None] = mapped_column(sa.String(40))
    disability: Mapped[str | None] = mapped_column(sa.String(20))
    lgbt: Mapped[str | None] = mapped_column(sa.String(20))
    language: Mapped[str | None] = mapped_column(sa.String(60))
    needs_interpreter: Mapped[bool] = mapped_column(default=False)
    address: Mapped[str | None] = mapped_column(sa.String(500))
    postcode: Mapped[str | None] = mapped_column(sa.String(10))
    is_address_confidential: Mapped[bool] = mapped_column(default=False)
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    is_safe_to_call: Mapped[bool | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    aliases: Mapped[list["PersonAlias"]] = relationship(
        cascade="all, delete-orphan", order_by="PersonAlias.id", lazy="selectin"
    )

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def age_on(self, day):
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def __repr__(self):
        return f"<Person {self.id}>"


class PersonAlias(db.Model):
    __tablename__ = "person_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    first_name: Mapped[str] = mapped_column(sa.String(NAME_MAX), default="")
    last_name: Mapped[str] = mapped_column(sa.String(NAME_MAX), default="")

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()


class PersonMatchKey(db.Model):
    """Blocking keys for victim matching: candidates come from an indexed lookup, never a scan."""

    __tablename__ = "person_match_keys"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True, index=True)


def _lower_prefix_index(name, column):
    """An index that finds names by how they begin (`lower(name) LIKE 'qui%'`): the search's
    partial and misspelt surnames. PostgreSQL needs the pattern operator class for LIKE."""
    label = f"{column.name}_lower"
    return sa.Index(name, sa.func.lower(column).label(label), postgresql_ops={label: "text_pattern_ops"})


_lower_prefix_index("ix_people_last_name_lower", Person.last_name)
_lower_prefix_index("ix_person_aliases_last_name_lower", PersonAlias.last_name)
