"""Victim matching through the real data path: 10,000 synthetic people stored with their blocking
keys, and each planted variant looked up with services.people.possible_matches (indexed keys,
then ranking), on SQLite and PostgreSQL alike."""

import random
import time
from datetime import date

import sqlalchemy as sa

from marac.services.matching import PersonDetails
from marac.services.people import possible_matches, save_person
from models import Person, PersonAlias, PersonMatchKey, db
from tests.unit.test_matching import VARIANTS, Population, _eligible


def test_planted_variants_are_found_through_the_database(app):
    population = Population(20240611)
    rng = random.Random(20240612)
    people = [population.person(person_id) for person_id in range(1, 10_001)]
    offset = 1_000_000  # ids well clear of anything else in the test database
    with app.app_context():
        db.session.execute(
            sa.insert(Person),
            [
                {
                    "id": offset + p.id,
                    "first_name": p.first_name,
                    "last_name": p.last_name,
                    "date_of_birth": p.date_of_birth,
                    "postcode": p.postcode,
                }
                for p in people
            ],
        )
        db.session.execute(
            sa.insert(PersonAlias),
            [
                {"person_id": offset + p.id, "first_name": first, "last_name": last}
                for p in people
                for first, last in p.aliases
            ],
        )
        db.session.execute(
            sa.insert(PersonMatchKey), [{"person_id": offset + p.id, "key": key} for p in people for key in p.keys()]
        )
        db.session.commit()

        planted = []
        for variant, make in VARIANTS.items():
            chosen = rng.sample([p for p in people if _eligible(variant, p)], 10)
            planted += [(variant, make(rng, person, population), offset + person.id) for person in chosen]

        started = time.perf_counter()
        found = sum(
            true_id in [person.id for _match, person in possible_matches(query)] for _variant, query, true_id in planted
        )
        per_query_ms = 1000 * (time.perf_counter() - started) / len(planted)

    recall = found / len(planted)
    print(
        f"\nmatching through the database: {len(planted)} planted variants among 10,000 people: "
        f"recall@5={recall:.1%}, {per_query_ms:.1f} ms a lookup"
    )
    assert recall >= 0.95


def test_nicknames_and_full_names_are_found_through_the_stored_keys(app):
    """People saved as the web saves them (keys stored); a referral with a nickname, or with the
    full name of someone on record by a nickname, finds them with possible_matches."""
    born = date(1986, 4, 23)
    on_record = {
        ("Elizabeth", "Quarrington"): born,
        ("William", "Quarrington"): born,
        ("Margaret", "Quarrington"): born,
        ("Liz", "Ashworthy"): date(1979, 11, 2),
        ("Robert", "Ashworthy"): None,
    }
    with app.app_context():
        ids = {}
        for (first, last), dob in on_record.items():
            person = save_person(Person(), {"first_name": first, "last_name": last, "date_of_birth": dob})
            db.session.flush()
            ids[first] = person.id
        db.session.commit()

        def found(first, last, dob=born):
            return [
                (person.id, match.reasons[0]) for match, person in possible_matches(PersonDetails(first, last, (), dob))
            ]

        assert found("Liz", "Quarrington") == [(ids["Elizabeth"], "Nickname of Elizabeth")]
        assert found("Bill", "Quarrington") == [(ids["William"], "Nickname of William")]
        assert found("Peggy", "Quarrington") == [(ids["Margaret"], "Nickname of Margaret")]
        assert found("Elizabeth", "Ashworthy", dob=date(1979, 11, 2)) == [(ids["Liz"], "Nickname of Elizabeth")]
        assert found("Bob", "Ashworthy", dob=None) == [(ids["Robert"], "Nickname of Robert")]
        assert found("Bill", "Quarrington", dob=date(1990, 8, 14)) == []  # another person of that name
        assert found("Mo", "Quarrington") == []  # the dataset has no Mo for Mohammed (see the README)
