"""信息处理费 (国办函〔2020〕109号), pure arithmetic. Both methods are progressive: only the part beyond a band's
start pays that band's rate, and a request uses one method only.

* 按件: by the applicant's applications in one calendar month — the 1st–10th are free, the 11th–30th cost
  ¥100 each, and from the 31st every further band of 10 adds ¥100 per item (31st–40th ¥200, 41st–50th ¥300…).
* 按量: by pages of one request — 1–30 free, 31–100 ¥10 a page, 101–200 ¥20 a page, 201 and up ¥40 a page."""

from dataclasses import dataclass

PAGE_BANDS: tuple[tuple[int, int | None, int], ...] = ((1, 30, 0), (31, 100, 10), (101, 200, 20), (201, None, 40))


@dataclass(frozen=True)
class FeeLine:
    first: int  # first item / page of the band that this line charges
    last: int
    unit_fee: int  # yuan per item / page
    amount: int


def item_fee(nth: int) -> int:
    """The fee for the applicant's `nth` application of the calendar month (1-based)."""
    if nth < 1:
        raise ValueError("nth must be >= 1")
    if nth <= 10:
        return 0
    if nth <= 30:
        return 100
    return 100 * (2 + (nth - 31) // 10)


def item_lines(first: int, last: int) -> list[FeeLine]:
    """The fee of the applications numbered first…last in the month, one line per band."""
    lines: list[FeeLine] = []
    for n in range(first, last + 1):
        fee = item_fee(n)
        if lines and lines[-1].unit_fee == fee:
            prev = lines[-1]
            lines[-1] = FeeLine(prev.first, n, fee, prev.amount + fee)
        else:
            lines.append(FeeLine(n, n, fee, fee))
    return lines


def page_lines(pages: int) -> list[FeeLine]:
    """The fee of one request of `pages` pages, one line per band it reaches."""
    if pages < 0:
        raise ValueError("pages must be >= 0")
    lines = []
    for lo, hi, rate in PAGE_BANDS:
        if pages < lo:
            break
        top = pages if hi is None else min(pages, hi)
        lines.append(FeeLine(lo, top, rate, rate * (top - lo + 1)))
    return lines


def page_fee(pages: int) -> int:
    return sum(line.amount for line in page_lines(pages))
