"""Small pieces of wording shared by pages and papers."""


def plural(count: int, one: str, many: str | None = None) -> str:
    """1 case, 2 cases; 1 child, 3 children (with `many`)."""
    return f"{count} {one if count == 1 else (many or one + 's')}"
