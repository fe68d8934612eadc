"""Which counts a reader outside the coordinator role sees (services/small_numbers.py): 1 to 4 as
"<5", and "[c]" for whatever would let them work one out."""

from marac.services.small_numbers import Figures


def _texts(figures, keys):
    return [figures.shown(key).text for key in keys]


def test_a_small_count_reads_below_five_and_nothing_else_changes():
    figures = Figures(exact=False)
    for key, value in {"none": 0, "one": 1, "four": 4, "five": 5}.items():
        figures.count(key, value)
    assert _texts(figures, ["none", "one", "four", "five"]) == ["0", "<5", "<5", "5"]
    assert figures.shown("four").value is None  # no trace of the number


def test_a_total_never_leaves_a_hidden_cell_its_only_unknown():
    figures = Figures(exact=False)
    cells = {"a": 12, "b": 3, "c": 8, "d": 20}
    for key, value in cells.items():
        figures.count(key, value)
    figures.count("total", sum(cells.values()))
    figures.sum("total", list(cells))
    # 43 - 12 - 8 - 20 would give b: the smallest other cell is hidden too, the total kept.
    assert _texts(figures, ["a", "b", "c", "d", "total"]) == ["12", "<5", "[c]", "20", "43"]


def test_hiding_carries_across_sums_that_share_a_cell():
    """The first meeting's cases (12) are the police's (10) and housing's (2); the row of the police
    then needs a second hidden cell, and so on until no sum gives one away."""
    figures = Figures(exact=False)
    values = {("cases", 1): 12, ("police", 1): 10, ("housing", 1): 2, ("police", 2): 9, ("police", "all"): 19}
    for key, value in values.items():
        figures.count(key, value)
    figures.sum(("cases", 1), [("police", 1), ("housing", 1)])
    figures.sum(("police", "all"), [("police", 1), ("police", 2)])
    assert _texts(figures, values) == ["12", "[c]", "<5", "[c]", "19"]


def test_the_rest_of_a_total_is_protected_too():
    """8 referrals of which 7 repeats leave 1 that is not: the 7 would give it away."""
    figures = Figures(exact=False)
    figures.count("referrals", 8)
    figures.count("repeats", 7)
    figures.sum("referrals", ["repeats"], whole=False)
    assert _texts(figures, ["referrals", "repeats"]) == ["8", "[c]"]
    assert figures.share("repeats", "referrals").text == "[c]"


def test_a_percentage_of_a_small_number_is_hidden():
    figures = Figures(exact=False)
    for key, value in {"of_three": 3, "one": 1, "of_forty": 40, "twenty": 20, "none": 0}.items():
        figures.count(key, value)
    assert figures.share("one", "of_three").text == "[c]"
    assert figures.share("none", "of_three").text == "[c]"
    assert figures.share("twenty", "of_forty").text == "50.0"
    assert figures.share("twenty", "none") is None  # no cases: no percentage


def test_a_coordinator_sees_every_count_as_it_is():
    figures = Figures(exact=True)
    figures.count("total", 5)
    figures.count("part", 4)
    figures.sum("total", ["part"], whole=False)
    assert _texts(figures, ["total", "part"]) == ["5", "4"]
    assert figures.share("part", "total").text == "80.0"
