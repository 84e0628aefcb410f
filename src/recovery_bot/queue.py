"""Queue position and typical wait for the triage comment (pure core + the triage hook).

The reporter's first question is "when will someone look at this?". pypi/support's own
workflow (``response-time-comment.yml``) answers it once, at open: the number of open
issues of the same form, older than this one, that no maintainer has answered yet. The
bot keeps that answer current in its one triage comment instead.

Definition (the workflow's, so the numbers stay comparable): an issue is **waiting** when
it is open, of the same form, not opened by a maintainer or a bot, and has no reply from
a maintainer: no non-bot maintainer comment and no first response on its clock (a
maintainer reply or the awaiting label). The position of an issue is the number of
waiting issues created before it. One difference: the workflow also skips issues on a
project board; reading boards needs the App to hold organization-projects permission,
which a triage bot should not ask for, so boards are not consulted.

**Typical wait**: the median time to the first maintainer response over issues of the
form whose first response came in the last 28 days (open or closed), in days; ``None``
with fewer than :data:`MIN_SAMPLES` such issues (a median of two says nothing).

**Buckets, and why the comment shows a range.** The sweep refreshes the comment only when
the position crosses a bucket boundary (``sla.queue_buckets``: 10, 25, 50, 100, 200,
400), so a queue draining by one issue a day costs a handful of edits over an issue's
life instead of one a day. For the text to stay true between refreshes it names the
bucket, not the exact count: "between 26 and 50 ... ahead of yours". The bucket is also
stored in a hidden marker at the end of the comment (``<!-- recovery-bot:queue
bucket=50 -->``), so the sweep compares buckets without parsing prose. Once a maintainer
has answered, the paragraph is dropped (one edit): "N ahead" no longer applies.

The queue state (:class:`QueueState`) is computed by every sweep from what it read and
kept on the bot (``bot.queue_state``) in memory only: GitHub is the source of truth and
the next sweep recomputes it. Until a first sweep has run, triage simply writes no
paragraph, and the sweep adds it.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from recovery_bot.github import parse_github_time
from recovery_bot.plans import Plan
from recovery_bot.snapshot import Clock, IssueSnapshot

RECOVERY_FORM = "account-recovery"
WAIT_WINDOW = timedelta(days=28)
MIN_SAMPLES = 5
DEFAULT_BUCKETS: tuple[int, ...] = (10, 25, 50, 100, 200, 400)

#: Forms whose triage comment carries the queue paragraph, with how the text names them.
QUEUE_FORMS: Mapping[str, str] = {RECOVERY_FORM: "account-recovery"}


# --------------------------------------------------------------------------- pure core


def is_waiting(issue: IssueSnapshot, clock: Clock | None) -> bool:
    """Open, not opened by a maintainer or bot, and no maintainer has answered."""
    if issue.state != "open" or issue.is_pull_request:
        return False
    if issue.author_is_maintainer or issue.author_is_bot:
        return False
    if clock is not None and clock.first_response_at is not None:
        return False
    return not any(c.is_maintainer and not c.is_bot for c in issue.comments)


def _key(issue: IssueSnapshot) -> tuple[datetime, int]:
    return (issue.created_at, issue.number)


def positions(
    snapshots: Iterable[IssueSnapshot], clocks: Mapping[int, Clock], form: str
) -> dict[int, int]:
    """Queue position of every open issue of ``form``: how many waiting issues of that
    form were created before it."""
    mine = [s for s in snapshots if s.form == form and s.state == "open"]
    waiting = sorted(_key(s) for s in mine if is_waiting(s, clocks.get(s.number)))
    return {s.number: bisect.bisect_left(waiting, _key(s)) for s in mine}


def typical_wait(
    snapshots: Iterable[IssueSnapshot],
    clocks: Mapping[int, Clock],
    form: str,
    now: datetime,
    *,
    window: timedelta = WAIT_WINDOW,
    min_samples: int = MIN_SAMPLES,
) -> float | None:
    """Median days from filing to the first maintainer response, over issues of ``form``
    first answered in the ``window`` before ``now``; None with too few of them."""
    start = now - window
    waits = []
    for s in snapshots:
        clock = clocks.get(s.number)
        if s.form != form or clock is None or clock.first_response_at is None:
            continue
        if start <= clock.first_response_at <= now:
            waits.append((clock.first_response_at - s.created_at).total_seconds() / 86400)
    if len(waits) < max(1, min_samples):
        return None
    return statistics.median(waits)


def bucket(n: int, buckets: Sequence[int] = DEFAULT_BUCKETS) -> str:
    """The bucket label of position ``n``: ``"0"``, the smallest boundary ``>= n``
    (``"10"``, ``"25"``...), or ``"400+"`` beyond the last."""
    if n <= 0:
        return "0"
    for b in buckets:
        if n <= b:
            return str(b)
    return f"{buckets[-1]}+" if buckets else "0"


def _range_words(label: str, buckets: Sequence[int]) -> str:
    if label.endswith("+"):
        return f"more than {label[:-1]}"
    upper = int(label)
    lower = max((b for b in buckets if b < upper), default=0) + 1
    return f"between {lower} and {upper}"


def _days(d: float) -> str:
    if d < 1:
        return "less than a day"
    n = round(d)
    return "about 1 day" if n == 1 else f"about {n} days"


def queue_paragraph(
    label: str,
    wait_days: float | None,
    *,
    form: str = RECOVERY_FORM,
    buckets: Sequence[int] = DEFAULT_BUCKETS,
) -> str:
    """One short sentence for the reporter (bucket ``label`` from :func:`bucket`)."""
    what = f"open {QUEUE_FORMS.get(form, form)} requests"
    if label == "0":
        text = f"No other {what} are waiting ahead of yours"
    else:
        text = f"There are {_range_words(label, buckets)} {what} ahead of yours"
    if wait_days is None:
        return text + "."
    return f"{text}; recently the first reply came after {_days(wait_days)}."


def queue_marker(marker: str, label: str) -> str:
    return f"<!-- {marker}:queue bucket={label} -->"


def _block_re(marker: str) -> re.Pattern[str]:
    return re.compile(rf"\n*<!-- {re.escape(marker)}:queue bucket=(\S+) -->.*\Z", re.S)


def split_queue_block(text: str, marker: str) -> tuple[str, str | None]:
    """(comment text without the queue block, the bucket it showed or None)."""
    m = _block_re(marker).search(text)
    if m is None:
        return text, None
    return text[: m.start()], m.group(1)


def with_queue_block(text: str, marker: str, label: str | None, paragraph: str) -> str:
    """``text`` with its queue block replaced (or removed when ``label`` is None). The
    block goes last: marker line, then the paragraph."""
    base, _ = split_queue_block(text, marker)
    if label is None:
        return base
    return f"{base.rstrip()}\n\n{queue_marker(marker, label)}\n{paragraph}"


@dataclass(frozen=True)
class QueueState:
    """One repo+form's queue as the last sweep saw it."""

    repo: str
    form: str
    waiting: tuple[tuple[datetime, int], ...]  # (created_at, number), sorted
    # Open issues of the form that are not waiting (answered, or opened by a maintainer or
    # a bot): they get no paragraph.
    not_waiting: frozenset[int]
    typical_wait_days: float | None
    computed_at: datetime
    buckets: tuple[int, ...] = DEFAULT_BUCKETS

    def position(self, created_at: datetime, number: int) -> int:
        """Waiting issues created before (``created_at``, ``number``); an issue filed
        after the sweep counts every waiting issue the sweep saw."""
        return bisect.bisect_left(self.waiting, (created_at, number))

    def bucket_of(self, created_at: datetime, number: int) -> str | None:
        """The bucket to show, or None when the issue needs no paragraph (answered)."""
        if number in self.not_waiting:
            return None
        return bucket(self.position(created_at, number), self.buckets)

    def paragraph(self, label: str) -> str:
        return queue_paragraph(label, self.typical_wait_days, form=self.form, buckets=self.buckets)


def build_state(
    repo: str,
    snapshots: Sequence[IssueSnapshot],
    clocks: Mapping[int, Clock],
    form: str,
    now: datetime,
    *,
    buckets: Sequence[int] = DEFAULT_BUCKETS,
) -> QueueState:
    """The queue of ``form`` from a sweep's read (open issues plus recently closed ones,
    which only feed the typical wait)."""
    waiting: list[tuple[datetime, int]] = []
    not_waiting: set[int] = set()
    for s in snapshots:
        if s.form != form or s.state != "open":
            continue
        if is_waiting(s, clocks.get(s.number)):
            waiting.append(_key(s))
        else:
            not_waiting.add(s.number)
    return QueueState(
        repo=repo,
        form=form,
        waiting=tuple(sorted(waiting)),
        not_waiting=frozenset(not_waiting),
        typical_wait_days=typical_wait(snapshots, clocks, form, now),
        computed_at=now,
        buckets=tuple(buckets) or DEFAULT_BUCKETS,
    )


# --------------------------------------------------------------------------- on the bot


def store_states(bot: Any, repo: str, states: Iterable[QueueState]) -> None:
    """Keep ``states`` on ``bot.queue_state`` (``{(repo, form): QueueState}``)."""
    table = getattr(bot, "queue_state", None)
    if not isinstance(table, dict):
        table = {}
        bot.queue_state = table
    for st in states:
        table[(repo.casefold(), st.form)] = st


def get_state(bot: Any, repo: str, form: str) -> QueueState | None:
    table = getattr(bot, "queue_state", None)
    if not isinstance(table, dict):
        return None
    return table.get((repo.casefold(), form))


def _created_at(issue: Mapping[str, Any], fallback: datetime) -> datetime:
    raw = issue.get("created_at")
    if isinstance(raw, str) and raw:
        try:
            return parse_github_time(raw)
        except ValueError:
            pass
    return fallback


async def extend_plan(
    bot: Any, gh: Any, repo: str, issue_json: Mapping[str, Any], facts: Any, plan: Plan
) -> Plan:
    """Add the queue paragraph to a recovery issue's triage comment (called by
    ``triage.triage_issue``; ``gh`` is unused: everything comes from the last sweep).

    ``upsert`` gets the paragraph appended (``resolve``, an edit-only plan, becomes an
    ``upsert`` with it), so every waiting recovery issue's one comment carries its place
    in the queue. An issue a maintainer
    has answered gets no paragraph (and loses an old one on the next edit)."""
    del gh
    form = getattr(facts, "form", None)
    if form not in QUEUE_FORMS or plan.comment is None:
        return plan
    if plan.comment_action not in ("upsert", "resolve"):
        return plan
    state = get_state(bot, repo, form)
    if state is None:
        return plan
    number = int(issue_json.get("number") or 0)
    label = state.bucket_of(_created_at(issue_json, state.computed_at), number)
    if label is None:
        return plan
    marker = bot.config.bot.marker
    text = with_queue_block(plan.comment, marker, label, state.paragraph(label))
    return dataclasses.replace(
        plan, comment=text, comment_action="upsert", notes=(*plan.notes, f"queue: bucket {label}")
    )


__all__ = [
    "QUEUE_FORMS",
    "QueueState",
    "bucket",
    "build_state",
    "extend_plan",
    "get_state",
    "is_waiting",
    "positions",
    "queue_paragraph",
    "split_queue_block",
    "store_states",
    "typical_wait",
    "with_queue_block",
]
