"""Small numbers: what a reader outside the coordinator role may see of a count.

A count from 1 to 4 could point to a person, so it is shown as "<5" (primary suppression). A
figure from which such a count could be worked out is hidden too, as "[c]" (secondary
suppression): a total less the other cells that make it, the rest of a total that is not itself
shown (cases less repeats), a percentage of a small number. This module decides, on the numbers,
before any page, chart, CSV, PDF or API answer is made: a hidden figure leaves it as text only,
with no trace of its value (so a chart cannot draw it to scale).

The sums are checked one at a time until none reveals a hidden cell (the usual iterative method:
a cell is not left the only unknown of any sum). Two sums that share two hidden cells could, in
principle, still be solved together; the return's tables are too simple for that to arise.
"""

from dataclasses import dataclass

LIMIT = 5
BELOW_LIMIT = "<5"
CONCEALED = "[c]"
NOTE = (
    f'Counts from 1 to 4 are shown as "{BELOW_LIMIT}", and a figure from which one could be worked '
    f'out as "{CONCEALED}", so that nobody can be identified.'
)


@dataclass(frozen=True)
class _Rest:
    """What a total has beyond its parts that are shown (shown nowhere itself)."""

    number: int


def is_small(count):
    return 0 < count < LIMIT


@dataclass(frozen=True)
class Shown:
    """A figure as the reader may see it: `value` the number (None when hidden), `text` as printed."""

    value: int | float | None
    text: str

    @property
    def hidden(self):
        return self.value is None

    def __str__(self):
        return self.text

    def api(self):
        """The number, or the text that stands for it ("<5", "[c]")."""
        return self.text if self.hidden else self.value


def exact(value):
    return Shown(value, str(value))


class Figures:
    """Counts shown together (on one page, in one file or answer) and the sums that tie them, so
    that hiding holds across all of them. With `exact`, the reader (a coordinator) sees every
    count as it is."""

    def __init__(self, *, exact):
        self.exact = exact
        self._values = {}
        self._sums = []
        self._unknown = None

    def count(self, key, value):
        """A count the reader may be shown (or may work out from a percentage): `key` names it."""
        self._values[key] = int(value)
        return key

    def sum(self, total, parts, *, whole=True):
        """`total` is the sum of `parts` (`whole`), or at least it: the rest (total less the parts,
        shown nowhere) can be worked out from them too."""
        self._sums.append((total, tuple(parts), whole))
        self._unknown = None

    def _hidden(self):
        """The cells the reader must not learn (small counts, the rests and cells hidden to protect
        them), worked out once for all the sums."""
        if self._unknown is not None:
            return self._unknown
        values = dict(self._values)
        sums, rests = [], set()
        for total, parts, whole in self._sums:
            members = [*parts]
            if not whole:
                rest = _Rest(len(rests))
                values[rest] = values[total] - sum(values[part] for part in parts)
                members.append(rest)
                rests.add(rest)
            sums.append((total, members))
        protected = {key for key, value in values.items() if is_small(value)}
        unknown = protected | rests
        changed = True
        while changed:
            changed = False
            for total, parts in sums:
                members = [*parts, total]
                left = [member for member in members if member in unknown]
                if len(left) == 1 and left[0] in protected:
                    # Hide the smallest shown part, or else the total.
                    shown_parts = [part for part in parts if part not in unknown]
                    choice = min(shown_parts, key=values.get) if shown_parts else total
                    unknown.add(choice)
                    protected.add(choice)
                    changed = True
        self._unknown = protected
        return protected

    def shown(self, key):
        value = self._values[key]
        if self.exact:
            return exact(value)
        if is_small(value):
            return Shown(None, BELOW_LIMIT)
        if key in self._hidden():
            return Shown(None, CONCEALED)
        return exact(value)

    def share(self, part, whole, places=1):
        """`part` as a percentage of `whole` (None when `whole` is 0): hidden when either count is,
        or when `whole` less `part` is a small count."""
        numerator, denominator = self._values[part], self._values[whole]
        if not denominator:
            return None
        percentage = round(100 * numerator / denominator, places)
        if not self.exact and (
            self.shown(part).hidden or self.shown(whole).hidden or is_small(denominator - numerator)
        ):
            return Shown(None, CONCEALED)
        return Shown(percentage, str(percentage))
