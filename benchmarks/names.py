"""Invented names from syllables: no list of real people's names is used anywhere."""

import random

ONSETS = ["b", "br", "c", "d", "dr", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z"]
VOWELS = ["a", "e", "i", "o", "u", "ae", "ia", "ou"]
CODAS = ["", "", "l", "n", "r", "s", "th", "m", "x", "nd"]
SURNAME_ENDINGS = ["by", "well", "mere", "wick", "combe", "ford", "holt", "field", "shaw", "ton", "gate", "beck"]
FEMALE_ENDINGS = ["a", "ella", "ine", "ie", "ette", "ara"]
MALE_ENDINGS = ["on", "an", "ric", "en", "us", "o"]


def _syllable(rng):
    return rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)


def first_name(rng: random.Random, *, female: bool) -> str:
    stem = _syllable(rng) if rng.random() < 0.6 else _syllable(rng) + _syllable(rng)
    return (stem + rng.choice(FEMALE_ENDINGS if female else MALE_ENDINGS)).capitalize()


def surname(rng: random.Random) -> str:
    return (_syllable(rng) + rng.choice(SURNAME_ENDINGS)).capitalize()


def place(rng: random.Random) -> str:
    return (_syllable(rng) + _syllable(rng) + rng.choice(["shire", " Vale", "moor", "dale", "ham"])).title()
