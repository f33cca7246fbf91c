"""What a filing calls itself on its first page: company, form and period of an SEC cover page, or
company and quarter of an earnings release ("PepsiCo, Inc. — Exhibit 99.1, Q1 2023 earnings")."""
from __future__ import annotations

import re
from collections import Counter

__all__ = ["earnings_title", "proper_case", "sec_cover_title"]

_COVER_CHARS = 8_000  # a cover page's facts sit in its first few thousand characters
_CASE_SCAN_CHARS = 400_000  # where the registrant's own spelling of its name is looked for

_SEC_HEADER = re.compile(r"SECURITIES\s+AND\s+EXCHANGE\s+COMMISSION", re.I)
_FORM = re.compile(r"\bForm\s+(10-KT?|10-Q|8-K|20-F|40-F|6-K|11-K|S-1|S-4|DEF\s*14A)\b", re.I)
_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December")
_DATE = rf"(?:{_MONTHS})\s+\d{{1,2}}\s*,?\s*\d{{4}}"
_PERIOD = re.compile(rf"\bfor\s+the\s+(fiscal\s+year|quarterly\s+period|year)\s+ended\s+({_DATE})", re.I)
_REPORT_DATE = re.compile(rf"Date\s+of\s+Report[^:]{{0,60}}:\s*({_DATE})", re.I)
_EXACT_NAME = re.compile(r"\(\s*Exact\s+name\s+of\s+(?:the\s+)?registrant", re.I)
_FILE_NUMBER = re.compile(r"Commission\s+File\s+(?:No\.?|Number)\s*:?\s*[\d-]+", re.I)
_RULE = re.compile(r"_{3,}")
# "(NYSE: JNJ)", "(NASDAQ: PEP)": a listed company names itself right before its ticker.
_TICKER = re.compile(r"\((?:NYSE|NASDAQ|Nasdaq|NYSE American|AMEX|TSX|LSE)\s*:\s*[A-Z][A-Z.]{0,6}\)")
_RELEASE_VERB = re.compile(r"\btoday\s+(?:reported|announced|released|posted)\b", re.I)
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
    return " ".join(raw.split()).strip(" :;-–—|(")


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
        line = before[before.rfind("\n") + 1:]
        if not _clean_name(line):  # the caption sits on a line of its own: take the line above
            before = before[: before.rfind("\n")].rstrip()
            line = before[before.rfind("\n") + 1:]
        name = _clean_name(line)
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


def _quarter(text: str) -> str | None:
    """"Q4 2022" from the first quarter named ("2022 Fourth-Quarter", "First-Quarter 2023", "Q1 2023")."""
    found: list[tuple[int, str]] = []
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
        found.append((m.start(), f"Q{q} {year}"))
    return min(found)[1] if found else None


def earnings_title(text: str, meta_title: str = "") -> str | None:
    """"Johnson & Johnson — Q4 2022 earnings release" (or "… — Exhibit 99.1, Q1 2023 earnings" when the
    file says it is that exhibit) for a press release that reports a quarter; None for anything else."""
    head = text[:_COVER_CHARS]
    ticker = _TICKER.search(head)
    if ticker is None or not _RELEASE_VERB.search(head, ticker.end(), ticker.end() + 200):
        return None
    # "PURCHASE, N.Y. - April 25, 2023 - PepsiCo, Inc. (NASDAQ: PEP)": the name is the last dash-separated part.
    line = head[: ticker.start()].rsplit("\n", 1)[-1]
    name = re.split(r"\s[-–—]\s|\)\s", line)[-1].strip(" ,-–—")
    quarter = _quarter(head)
    if not _plausible_name(name) or quarter is None:
        return None
    exhibit = _EXHIBIT.search(meta_title) or _EXHIBIT.search(head)
    if exhibit:
        return f"{name} — Exhibit {exhibit.group(1)}, {quarter} earnings"
    return f"{name} — {quarter} earnings release"
