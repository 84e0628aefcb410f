"""Weekly backlog digest: numbers -> GitHub markdown. Pure: no I/O, no clock.

``render_digest`` turns the :class:`~recovery_bot.digest.report.DigestNumbers` of
``digest.report.compute_digest`` into the body of the weekly digest issue, never longer
than GitHub's issue-body limit: one function per section, in the order they appear.

Privacy: the markdown contains only numbers, dates, fixed words and issue numbers. No
titles (custom titles sometimes carry names or addresses), no logins, nothing from
bodies, so no reporter's e-mail address can leak however the issue was filled in.

Links: by default issues are linked through ``redirect.github.com``, which GitHub
documents as the way to link without creating a back-reference. Otherwise every digest
would add "recovery-bot mentioned this issue" to the timeline of every listed request,
every week: noise for reporters who are already anxious about their place in the queue.

Charts: Mermaid ``xychart-beta``. The trend comes as two charts, not one: the weekly flow
(tens) and the open backlog (hundreds) share no useful scale, the chart type draws no
legend, and two bar series overlap; so "opened" is bars and "closed" a line in the first
chart, the backlog a line in the second, and a folded table gives the exact numbers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from recovery_bot.core.config import is_repo_name
from recovery_bot.digest.report import DigestNumbers, ListedIssue

GITHUB_BODY_LIMIT = 65_536

_DAY = timedelta(days=1)


def render_digest(
    numbers: DigestNumbers,
    *,
    repo: str,
    max_chars: int = GITHUB_BODY_LIMIT,
    list_cap: int = 25,
    backlinks: bool = False,
    marker: str | None = "recovery-bot",
) -> str:
    """Render the digest as GitHub markdown of at most ``max_chars``.

    Length is measured in UTF-8 bytes, never less than characters or UTF-16 units, so
    the body fits however GitHub counts. If the full text is too long, the lists are cut
    to the longest cap that fits (searched by halving, each list still says how many
    more there are); if even empty lists do not fit, the text is cut at a section
    boundary with a note. The result is never rejected and never over the limit.
    """
    if not is_repo_name(repo):
        raise ValueError(f"repo must be owner/name, got {repo!r}")
    if list_cap < 0:
        raise ValueError("list_cap must not be negative")

    def render(cap: int) -> str:
        return _render(numbers, repo, cap, list_cap, backlinks, marker, max_chars)

    text = render(list_cap)
    if _size(text) <= max_chars:
        return text
    lo, hi = 0, list_cap - 1  # find the largest cap in [0, list_cap) that fits
    best: str | None = None
    while lo <= hi:
        mid = (lo + hi) // 2
        candidate = render(mid)
        if _size(candidate) <= max_chars:
            best, lo = candidate, mid + 1
        else:
            hi = mid - 1
    if best is not None:
        return best
    return _hard_cut(render(0), max_chars)


_CUT_NOTE = "\n\n> [!NOTE]\n> The rest of this digest was cut to fit GitHub's size limit.\n"


def _hard_cut(text: str, max_chars: int) -> str:
    """Last resort: keep whole sections, or whole lines of the intro when not even the
    first section fits (the intro, before the first ``## ``, holds no code fence)."""
    budget = max_chars - _size(_CUT_NOTE)
    if budget <= 0:
        return _CUT_NOTE.strip()[: max(0, max_chars)]
    starts = [m.start() for m in re.finditer(r"^## ", text, flags=re.MULTILINE)]
    for pos in reversed(starts):  # the intro comes first, so pos > 0
        if _size(text[:pos]) <= budget:
            return text[:pos].rstrip() + _CUT_NOTE
    kept: list[str] = []
    used = 0
    for line in text.splitlines(keepends=True):
        used += _size(line)
        if used > budget:
            break
        kept.append(line)
    return "".join(kept).rstrip() + _CUT_NOTE


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _render(
    n: DigestNumbers,
    repo: str,
    cap: int,
    full_cap: int,
    backlinks: bool,
    marker: str | None,
    max_chars: int,
) -> str:
    """The whole digest with lists cut to ``cap``: one function per section, in order."""
    link = _linker(repo, backlinks)
    out = _intro(n, marker)
    out += _cut_note(n, cap, full_cap, max_chars)
    out += _this_week_section(n)
    out += _by_form_section(n)
    out += _trend_section(n)
    out += _age_section(n)
    out += _response_section(n)
    out += _late_section(n, cap, link)
    out += _never_answered_section(n, cap, link)
    out += _footer(n, repo)
    return "\n".join(out) + "\n"


def _intro(n: DigestNumbers, marker: str | None) -> list[str]:
    """The hidden marker, the week's dates and the one-paragraph summary."""
    week, prev = n.week, n.week.previous()
    this, before = n.total.this_week, n.total.previous_week
    out = [f"<!-- {marker}:digest week={week} -->"] if marker else []
    out.append(
        f"**{week}**: {_fmt_date(week.start())} to {_fmt_date(week.end() - _DAY)} (UTC)"
        f"{', week in progress' if not n.week_complete else ''}."
        f" Snapshot taken {_fmt_time(n.now)}."
    )
    out.append("")
    out.append(
        f"**{this.opened:,}** opened and **{this.closed:,}** closed; "
        f"**{this.open_at_end:,}** open at the end of the week "
        f"({_delta(this.open_at_end - before.open_at_end)} against {prev}). "
        f"**{len(n.overdue):,}** overdue, **{len(n.due_soon):,}** due soon, "
        f"**{len(n.never_answered):,}** never answered by a maintainer."
    )
    return out


def _cut_note(n: DigestNumbers, cap: int, full_cap: int, max_chars: int) -> list[str]:
    """Says the lists were shortened, only when trimming actually hid entries."""
    longest = max(len(n.overdue), len(n.due_soon), len(n.never_answered))
    if not (cap < full_cap and longest > cap):
        return []
    return [
        "",
        "> [!NOTE]",
        f"> Lists are cut to {cap:,} entries each to keep this issue within "
        f"{max_chars:,} characters (GitHub's limit is {GITHUB_BODY_LIMIT:,}).",
    ]


def _this_week_section(n: DigestNumbers) -> list[str]:
    week, prev = n.week, n.week.previous()
    this, before = n.total.this_week, n.total.previous_week
    so_far = "" if n.week_complete else " (so far)"
    return [
        "",
        "## This week",
        "",
        f"| | {week}{so_far} | {prev} | Change |",
        "| --- | ---: | ---: | ---: |",
        _row3("Opened", this.opened, before.opened),
        _row3("Closed", this.closed, before.closed),
        _row3("↳ completed", this.closed_completed, before.closed_completed),
        _row3("↳ not planned / no response", this.closed_not_planned, before.closed_not_planned),
        _row3("↳ duplicate", this.closed_duplicate, before.closed_duplicate),
        _row3("Open at end of week", this.open_at_end, before.open_at_end),
        f"| Waiting on maintainers ¹ | {n.total.waiting_on_maintainers:,} | — | — |",
        f"| Waiting on reporters ¹ | {n.total.waiting_on_reporters:,} | — | — |",
        "",
        f"¹ From the SLA clocks at {_fmt_time(n.now)}. Clocks are not kept for past "
        "weeks, so there is no comparison.",
    ]


def _by_form_section(n: DigestNumbers) -> list[str]:
    out = [
        "",
        "## By form",
        "",
        "| Form | Opened | Completed | Not planned | Duplicate | Open at end "
        "| Waiting on maintainers ¹ | Waiting on reporters ¹ |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for fc in n.forms:
        t, b = fc.this_week, fc.previous_week
        out.append(
            f"| {fc.name} | {_cell(t.opened, b.opened)} "
            f"| {_cell(t.closed_completed, b.closed_completed)} "
            f"| {_cell(t.closed_not_planned, b.closed_not_planned)} "
            f"| {_cell(t.closed_duplicate, b.closed_duplicate)} "
            f"| {_cell(t.open_at_end, b.open_at_end)} "
            f"| {fc.waiting_on_maintainers:,} | {fc.waiting_on_reporters:,} |"
        )
    return [*out, "", f"In brackets: change against {n.week.previous()}."]


def _trend_section(n: DigestNumbers) -> list[str]:
    """Two charts (flow in tens, stock in hundreds share no scale) and a folded table."""
    labels = ", ".join(f'"W{w.week.week:02d}"' for w in n.trend)
    flow_max = max([w.opened for w in n.trend] + [w.closed for w in n.trend])
    stock_max = max(w.open_at_end for w in n.trend)
    out = [
        "",
        f"## Trend, last {len(n.trend)} weeks",
        "",
        "```mermaid",
        "xychart-beta",
        '    title "Opened (bars) and closed (line) per week"',
        f"    x-axis [{labels}]",
        f'    y-axis "Issues" 0 --> {_nice_ceiling(flow_max)}',
        f"    bar [{', '.join(str(w.opened) for w in n.trend)}]",
        f"    line [{', '.join(str(w.closed) for w in n.trend)}]",
        "```",
        "",
        "```mermaid",
        "xychart-beta",
        '    title "Open at the end of each week"',
        f"    x-axis [{labels}]",
        f'    y-axis "Issues" 0 --> {_nice_ceiling(stock_max)}',
        f"    line [{', '.join(str(w.open_at_end) for w in n.trend)}]",
        "```",
        "",
        "<details><summary>The numbers</summary>",
        "",
        "| Week | Opened | Closed | Open at end |",
        "| --- | ---: | ---: | ---: |",
    ]
    for w in reversed(n.trend):
        out.append(f"| {w.week} | {w.opened:,} | {w.closed:,} | {w.open_at_end:,} |")
    return [*out, "", "</details>"]


def _age_section(n: DigestNumbers) -> list[str]:
    age_at = "the end of the week" if n.week_complete else _fmt_time(n.as_of)
    buckets = n.age_buckets
    return [
        "",
        "## Age of the open backlog",
        "",
        f"Issues open at {age_at}, by age in whole days.",
        "",
        "| Age (days) | Issues |",
        "| --- | ---: |",
        *(f"| {b.label} | {b.count:,} |" for b in buckets),
        "",
        "```mermaid",
        "xychart-beta",
        '    title "Open issues by age in days"',
        "    x-axis [" + ", ".join(f'"{_ascii_bucket(b.label)}"' for b in buckets) + "]",
        f'    y-axis "Issues" 0 --> {_nice_ceiling(max(b.count for b in buckets))}',
        f"    bar [{', '.join(str(b.count) for b in buckets)}]",
        "```",
    ]


def _response_section(n: DigestNumbers) -> list[str]:
    rw, rt = n.response_week, n.response_trailing
    return [
        "",
        "## Time to first maintainer response",
        "",
        "Counted from opening to the first comment by a maintainer; bots and the "
        "reporter's own comments do not count.",
        "",
        "| First answered in | Issues | Median | 90th percentile |",
        "| --- | ---: | ---: | ---: |",
        f"| {rw.last_week} | {rw.n:,} | {_days(rw.median_days)} | {_days(rw.p90_days)} |",
        f"| {rt.first_week} to {rt.last_week} | {rt.n:,} "
        f"| {_days(rt.median_days)} | {_days(rt.p90_days)} |",
    ]


def _late_section(n: DigestNumbers, cap: int, link: Callable[[int], str]) -> list[str]:
    out = [
        "",
        "## Late and due soon",
        "",
        f"From the SLA clocks at {_fmt_time(n.now)}, oldest first.",
    ]
    out += _sla_list(f"Overdue ({len(n.overdue):,})", n.overdue, cap, link)
    out += _sla_list(f"Due soon ({len(n.due_soon):,})", n.due_soon, cap, link)
    return out


def _never_answered_section(n: DigestNumbers, cap: int, link: Callable[[int], str]) -> list[str]:
    out = [
        "",
        f"## Never answered by a maintainer ({len(n.never_answered):,})",
        "",
        "Open issues without any maintainer comment, oldest first.",
        "",
    ]
    if not n.never_answered:
        return [*out, "None."]
    out += ["| Issue | Form | Age |", "| --- | --- | ---: |"]
    out += [f"| {link(i.number)} | {i.form} | {i.age_days:,} d |" for i in n.never_answered[:cap]]
    return out + _more(len(n.never_answered), cap)


def _footer(n: DigestNumbers, repo: str) -> list[str]:
    return [
        "",
        "---",
        f"<sub>Generated by recovery-bot for {repo} from a snapshot taken "
        f"{_fmt_time(n.now)}. Weeks are ISO weeks in UTC. Pull requests and the digest "
        "issues are not counted. Issues are listed by number only: no titles, names or "
        "addresses. Percentiles interpolate linearly between ranks.</sub>",
    ]


def _sla_list(
    heading: str, items: Sequence[ListedIssue], cap: int, link: Callable[[int], str]
) -> list[str]:
    lines = ["", f"### {heading}", ""]
    if not items:
        return [*lines, "None."]
    lines += ["| Issue | Form | Age | Whose move | Due |", "| --- | --- | ---: | --- | --- |"]
    for i in items[:cap]:
        due = _fmt_date(i.due) if i.due is not None else "—"
        lines.append(
            f"| {link(i.number)} | {i.form} | {i.age_days:,} d | {i.owner or '—'} | {due} |"
        )
    return lines + _more(len(items), cap)


def _more(total: int, cap: int) -> list[str]:
    hidden = total - min(total, cap)
    return ["", f"…and {hidden:,} more."] if hidden else []


def _linker(repo: str, backlinks: bool) -> Callable[[int], str]:
    """Issue references as markdown links (see the module docstring on backlinks)."""
    host = "github.com" if backlinks else "redirect.github.com"
    base = f"https://{host}/{repo}/issues/"
    return lambda number: f"[#{number}]({base}{number})"


def _delta(d: int) -> str:
    return f"+{d:,}" if d > 0 else (f"−{-d:,}" if d < 0 else "±0")


def _row3(label: str, now: int, before: int) -> str:
    return f"| {label} | {now:,} | {before:,} | {_delta(now - before)} |"


def _cell(now: int, before: int) -> str:
    return f"{now:,} ({_delta(now - before)})"


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} d"


def _fmt_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def _fmt_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _ascii_bucket(label: str) -> str:
    """Mermaid labels are kept ASCII, the safest input across Mermaid versions."""
    return label.replace("–", "-")


def _nice_ceiling(value: int) -> int:
    """Axis maximum: the next round number at or above ``value`` (bars start at zero,
    so the axis must too, and a round top keeps Mermaid's ticks readable). Counts are
    never negative; 0 gives 1, the first step."""
    power: int = 10 ** (len(str(value)) - 1)
    steps: tuple[float, ...] = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)
    return next(top for top in (math.ceil(s * power) for s in steps) if top >= value)
