"""Victim matching through the real data path: 10,000 synthetic people stored with their blocking
keys, and each planted variant looked up with services.people.possible_matches (indexed keys,
then ranking), on SQLite and PostgreSQL alike."""

import random
import time

import sqlalchemy as sa

from marac.services.people import possible_matches
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
