"""What a filing calls itself on its first page: company, form and period of an SEC cover page, or
company and quarter of an earnings release ("PepsiCo, Inc. — Exhibit 99.1, Q1 2023 earnings"), or company and
date of another press release ("Johnson & Johnson — press release, August 30, 2023").

Periods are read, never guessed: a cover's "fiscal year ended …" or "Date of Report", a release's dateline, and
a quarter only when the release says it reports that quarter's results and the quarter had ended by its date."""
from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta

__all__ = ["earnings_title", "proper_case", "sec_cover_title"]

_COVER_CHARS = 8_000  # a cover page's facts sit in its first few thousand characters
_CASE_SCAN_CHARS = 400_000  # where the registrant's own spelling of its name is looked for

_SEC_HEADER = re.compile(r"SECURITIES\s+AND\s+EXCHANGE\s+COMMISSION", re.I)
_FORM = re.compile(r"\bForm\s+(10-KT?|10-Q|8-K|20-F|40-F|6-K|11-K|S-1|S-4|DEF\s*14A)\b", re.I)
_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December")
_DATE = rf"(?:{_MONTHS})\s+\d{{1,2}}\s*,?\s*\d{{4}}"
# "For the fiscal year ended OR December 31, 2020": a check-box line's "OR" can land inside the phrase.
# A reflowed two-column cover can put "Commission file" there too ("ended Commission file June 30, 2022").
_PERIOD = re.compile(rf"\bfor\s+the\s+(fiscal\s+year|quarterly\s+period|year)\s+ended\s+(?:(?:or|commission\s+file)\s+)?"
                     rf"({_DATE})", re.I)
_REPORT_DATE = re.compile(rf"Date\s+of\s+Report[^:]{{0,60}}:\s*({_DATE})", re.I)
_EXACT_NAME = re.compile(r"\(\s*Exact\s+name\s+of\s+(?:the\s+)?registrant", re.I)
_FILE_NUMBER = re.compile(r"Commission\s+File\s+(?:No\.?|Number)\s*:?\s*[\d-]+", re.I)
_RULE = re.compile(r"_{3,}")
# "(NYSE: JNJ)", "(NASDAQ: PEP)": a listed company names itself right before its ticker.
_TICKER = re.compile(r"\((?:NYSE|NASDAQ|Nasdaq|NYSE American|AMEX|TSX|LSE)\s*:\s*[A-Z][A-Z.]{0,6}\)")
_RELEASE_VERB = re.compile(r"\btoday\s+(?:reported|announced|released|posted)\b", re.I)
# A release that reports a period's results says so ("today reported results for", "Reports First-Quarter 2023
# Results"); a guidance update or a deal announcement that mentions a quarter does not.
_RESULTS = re.compile(r"\b(?:report(?:s|ed)?|announce(?:s|d)?|release(?:s|d)?|post(?:s|ed)?)\s+(?:its\s+|their\s+)?"
                      r"(?:(?:strong|record|preliminary|unaudited|financial|operating)\s+)*results\b"
                      r"|\breports?\b[^\n]{0,60}\bresults\b", re.I)
_DATE_PARTS = re.compile(rf"({_MONTHS})\s+(\d{{1,2}})\s*,?\s*(\d{{4}})", re.I)
_MONTH_NUMBER = {m.lower(): i for i, m in enumerate(_MONTHS.split("|"), start=1)}
RESULTS_LAG_DAYS = 200
"""Longest gap between a quarter's end and the release reporting it (annual reports come ~60–90 days after)."""
_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4}
_QUARTERS = (
    re.compile(r"\b(first|second|third|fourth)[\s-]quarter\s+(?:of\s+)?(?:fiscal\s+(?:year\s+)?)?(\d{4})\b", re.I),
    re.compile(r"\b(?:fiscal\s+)?(\d{4})\s+(first|second|third|fourth)[\s-]quarter\b", re.I),
    re.compile(r"\bQ([1-4])\s+(?:fiscal\s+)?(?:FY)?(\d{4})\b"),
)
_EXHIBIT = re.compile(r"\bExhibit\s+(99(?:\.\d+)?)\b", re.I)
# Name parts that stay as written when an all-capitals name has to be re-cased without help from the text.
_SUFFIXES = {"INC": "Inc", "CORP": "Corp", "CO": "Co", "LTD": "Ltd", "PLC": "plc", "LLC": "LLC", "LP": "LP",
             "NV": "N.V", "SA": "S.A", "AG": "AG", "SE": "SE"}


def _clean_name(raw: str) -> str:
    """A registrant name cut out of a cover line: no rules, file numbers or stray punctuation around it."""
    raw = _RULE.split(raw)[-1]  # "Commission File No. 000-22513 ____ AMAZON.COM, INC."
    raw = _FILE_NUMBER.split(raw)[-1]
    return re.sub(r"\s+([.,])", r"\1", " ".join(raw.split())).strip(" :;-–—|(")  # "NIKE, Inc ." → "NIKE, Inc."


_SPACED_CAP = re.compile(r"\b([A-Z]) ([A-Z]{2,})\b")


def _small_caps_line(before: str) -> str:
    """The last line of `before` with a small-caps name glued back: a PDF set "MGM RESORTS INTERNATIONAL" in small
    capitals can come out as lines "MGM", "R", "ESORTS", "I", "NTERNATIONAL" — a lone capital starts a word."""
    lines = before.split("\n")
    if len(lines) < 3 or not re.fullmatch(r"[A-Z]", lines[-2].strip()):
        last = lines[-1]
        # the same name read onto one line (pdfium): "MGM R ESORTS I NTERNATIONAL" — only in a line of capitals
        return _SPACED_CAP.sub(r"\1\2", last) if re.fullmatch(r"[A-Z][A-Z .,&'-]*", last.strip()) else last
    words: list[str] = []
    glue = False
    for line in reversed(lines[:-1]):  # back to the blank line or the caption's own block start
        if not line.strip() or len(line.split()) > 2:
            break
        words.insert(0, line.strip())
    words.append(lines[-1].strip())
    out: list[str] = []
    for w in words:
        out[-1:] = [out[-1] + w] if glue and out else out[-1:] + [w]
        glue = bool(re.fullmatch(r"[A-Z]", w))
    return " ".join(out)


def _plausible_name(name: str) -> bool:
    """A company name: 2–80 characters, a few words, starting with a capital or a digit ("3M COMPANY")."""
    words = name.split()
    return 2 <= len(name) <= 80 and 1 <= len(words) <= 8 and (name[0].isupper() or name[0].isdigit())


def _registrant(head: str) -> str | None:
    """The registrant's name: the line before "(Exact name of registrant…)", else the line after the
    commission file number (3M and Microsoft covers have no "Exact name" caption)."""
    m = _EXACT_NAME.search(head)
    if m:
        before = head[: m.start()].rstrip()
        line = _small_caps_line(before)
        if not _clean_name(line):  # the caption sits on a line of its own: take the line above
            before = before[: before.rfind("\n")].rstrip()
            line = _small_caps_line(before)
        name = _clean_name(line)
        if not _plausible_name(name):  # a reflowed line: "Date of Report (…): May 5, 2023 PepsiCo, Inc."
            name = _clean_name(re.split(rf"{_DATE}|:\s", line, flags=re.I)[-1])
        if not _plausible_name(name):  # "… June 30, 2022 number 1-5805 JPMorgan Chase & Co.": after the last number
            name = _clean_name(re.split(r"\S*\d\S*", line)[-1])
        if _plausible_name(name):
            return name
    m = _FILE_NUMBER.search(head)
    if m:
        rest = head[m.end():].lstrip(" _\n")
        name = _clean_name(rest.split("\n", 1)[0])
        if _plausible_name(name) and not name.lower().startswith(("state of", "(")):
            return name
    return None


def proper_case(name: str, text: str) -> str:
    """The name as the document spells it in running text ("CVS HEALTH CORPORATION" → "CVS Health
    Corporation"); a name already in mixed case is kept."""
    if any(ch.islower() for ch in name):
        return name
    variants = Counter(
        m.group(0) for m in re.finditer(re.escape(name), text[:_CASE_SCAN_CHARS], re.I)
        if any(ch.islower() for ch in m.group(0))
    )
    if variants:
        return variants.most_common(1)[0][0]
    # Never spelled out in mixed case: capitalise each word, keeping short consonant-only words ("MGM").
    out = []
    for word in name.split():
        core = word.strip(".,")
        if core in _SUFFIXES:
            out.append(word.replace(core, _SUFFIXES[core]))
        elif len(core) <= 4 and not re.search(r"[AEIOUY]", core) or any(ch.isdigit() for ch in core):
            out.append(word)
        else:
            out.append(word[:1] + word[1:].lower())
    return " ".join(out)


def _period(head: str, form: str) -> str | None:
    """"fiscal year ended December 31, 2022", "quarter ended June 30, 2023" or "report dated May 26, 2023"."""
    m = _PERIOD.search(head)
    if m:
        kind = "quarter" if "quarter" in m.group(1).lower() else "fiscal year"
        return f"{kind} ended {' '.join(m.group(2).split())}"
    m = _REPORT_DATE.search(head) if form in ("8-K", "6-K") else None
    return f"report dated {' '.join(m.group(1).split())}" if m else None


def sec_cover_title(text: str) -> str | None:
    """"3M Company — Form 10-K, fiscal year ended December 31, 2022" from an SEC cover page, or None when
    the text does not open with one (no SEC header, form or registrant name near the top)."""
    head = text[:_COVER_CHARS]
    header = _SEC_HEADER.search(head)
    form_m = _FORM.search(head)
    if not header or not form_m:
        return None
    form = re.sub(r"\s+", " ", form_m.group(1).upper())
    name = _registrant(head)
    if name is None:
        return None
    period = _period(head, form)
    title = f"{proper_case(name, text)} — Form {form}"
    return f"{title}, {period}" if period else title


def _quarter(text: str) -> tuple[str, int, int, bool] | None:
    """("Q4 2022", 4, 2022, fiscal?) from the first quarter named ("2022 Fourth-Quarter", "First-Quarter 2023",
    "Q1 2023", "first quarter of fiscal 2024")."""
    found: list[tuple[int, str, int, int, bool]] = []
    for i, pattern in enumerate(_QUARTERS):
        m = pattern.search(text)
        if m is None:
            continue
        a, b = m.group(1), m.group(2)
        if i == 0:
            q, year = _ORDINAL[a.lower()], b
        elif i == 1:
            q, year = _ORDINAL[b.lower()], a
        else:
            q, year = int(a), b
        fiscal = "fiscal" in m.group(0).lower() or "FY" in m.group(0)
        found.append((m.start(), f"Q{q} {year}", q, int(year), fiscal))
    return min(found)[1:] if found else None


def _parse_date(text: str) -> date | None:
    m = _DATE_PARTS.search(text)
    if m is None:
        return None
    try:
        return date(int(m.group(3)), _MONTH_NUMBER[m.group(1).lower()], int(m.group(2)))
    except ValueError:
        return None


def _reported_by(q: int, year: int, fiscal: bool, released: date | None) -> bool:
    """Whether a release dated `released` can report calendar quarter `q` of `year`: the quarter had ended,
    at most RESULTS_LAG_DAYS before. A fiscal quarter's dates depend on the company's year: not checked."""
    if fiscal or released is None:
        return True
    after = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)  # the day after the quarter ends
    return timedelta(0) <= released - after <= timedelta(days=RESULTS_LAG_DAYS)


def earnings_title(text: str, meta_title: str = "") -> str | None:
    """The title of a press release read from its dateline ("PURCHASE, N.Y. - April 25, 2023 - PepsiCo, Inc.
    (NASDAQ: PEP) today reported …"): "Johnson & Johnson — Q4 2022 earnings release" (or "… — Exhibit 99.1,
    Q1 2023 earnings" when the file says it is that exhibit) when it reports a quarter's results, else
    "Company — press release, August 30, 2023"; None for anything that is not a press release."""
    head = text[:_COVER_CHARS]
    ticker = _TICKER.search(head)
    if ticker is None or not _RELEASE_VERB.search(head, ticker.end(), ticker.end() + 200):
        return None
    # "PURCHASE, N.Y. - April 25, 2023 - PepsiCo, Inc. (NASDAQ: PEP)": the name is the last dash-separated part.
    line = head[: ticker.start()].rsplit("\n", 1)[-1]
    name = re.split(r"\s[-–—]\s|\)\s", line)[-1].strip(" ,-–—")
    if not _plausible_name(name):
        return None
    dateline = head[max(0, ticker.start() - 160): ticker.start()]
    released = _parse_date(" ".join(_DATE_PARTS.findall(dateline)[-1])) if _DATE_PARTS.search(dateline) else None
    exhibit = _EXHIBIT.search(meta_title) or _EXHIBIT.search(head)
    prefix = f"Exhibit {exhibit.group(1)}, " if exhibit else ""
    quarter = _quarter(head)
    if quarter is not None and _RESULTS.search(head) and _reported_by(*quarter[1:], released):
        return f"{name} — {prefix}{quarter[0]} earnings" if exhibit else f"{name} — {quarter[0]} earnings release"
    if released is None:
        return None
    return f"{name} — {prefix}press release, {released:%B} {released.day}, {released.year}"
