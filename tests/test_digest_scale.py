"""The weekly digest at scale: a synthetic 10,000-issue backlog within GitHub's body limit,
and the deterministic example shown in docs/example-digest.md.

Moved out of ``tests/test_digest.py`` (which keeps the hand-counted snapshot and its
exact numbers): these take seconds, so ``tools/mutation_scores.py`` measures
``digest/report.py`` and ``digest/render.py`` against the small exact tests and leaves
these to the suite. The docs example is still written with
``python tests/test_digest.py --write-example``.
"""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta

import pytest

from recovery_bot.core.snapshot import Clock, IssueSnapshot
from recovery_bot.digest.render import render_digest
from recovery_bot.digest.report import DigestNumbers, compute_digest, digest_title
from test_digest import BOT, LABEL, NOW, REPO, W47, bot, maint

# --------------------------------------------------------------------------- size limit


def synthetic_backlog(
    count: int, now: datetime = NOW, *, days: int = 420, seed: int = 47
) -> tuple[list[IssueSnapshot], dict[int, Clock]]:
    """A realistic backlog: mostly account recovery, answered in days to months (shapes
    from FIELD-NOTES section 3), three in four eventually closed, clocks derived with a
    simple 7-day maintainer target. Bodies carry fake addresses, which must not leak."""
    rng = random.Random(seed)
    forms = ["account-recovery"] * 70 + ["pep541"] * 10 + ["limit-request-file"] * 5
    forms += ["limit-request-project"] * 5 + ["network", "mass-name-squat", None] * 3
    issues: list[IssueSnapshot] = []
    clocks: dict[int, Clock] = {}
    for i in range(count):
        number = 10_000 + i
        created = now - timedelta(days=days * (1 - (i / count)) + rng.random() * 0.5)
        kind = rng.random()
        delay = None if kind < 0.15 else rng.uniform(0.1, 8) if kind < 0.75 else rng.uniform(8, 120)
        first = created + timedelta(days=delay) if delay is not None else None
        if first is not None and first > now:
            first = None
        comments = [bot(created + timedelta(minutes=1))]
        if first is not None:
            comments.append(maint(first, rng.choice(["di", "ewdurbin", "miketheman"])))
        closed_at = None
        if rng.random() < 0.78:
            closed_at = (first or created) + timedelta(days=rng.uniform(0.5, 70))
            closed_at = None if closed_at > now else closed_at
        reason = rng.choices(["completed", "not_planned", "duplicate", None], [55, 30, 8, 7])[0]
        author = f"person{i}"
        iss = IssueSnapshot(
            number=number,
            title="Account recovery request",
            author=author,
            created_at=created,
            state="closed" if closed_at else "open",
            closed_at=closed_at,
            state_reason=reason if closed_at else None,
            comments=tuple(comments),
            form=rng.choice(forms),
            body=f"### PyPI Username\n\n`{author}`\n\nreach me at {author}@example.org\n",
        )
        issues.append(iss)
        if closed_at is None:
            if first is None or rng.random() < 0.5:
                since = created if first is None else first + timedelta(days=rng.uniform(0, 5))
                due = since + timedelta(days=7)
                state = "overdue" if now > due else "due_soon" if due - now < timedelta(2) else "ok"
                clocks[number] = Clock(number, "maintainers", since, due, state, iss.form)
            else:
                due = first + timedelta(days=14)
                state = "close_due" if now > due + timedelta(7) else "waiting_on_reporter"
                clocks[number] = Clock(number, "reporter", first, due, state, iss.form)
    digest = IssueSnapshot(
        number=9_999, title=digest_title(W47.previous()), author=BOT, created_at=now - timedelta(8),
        author_is_bot=True, labels=(LABEL,),
    )  # fmt: skip
    return [digest, *issues], clocks


@pytest.fixture(scope="module")
def big() -> DigestNumbers:
    issues, clocks = synthetic_backlog(10_000, days=3 * 365)
    return compute_digest(issues, clocks, W47, digest_label=LABEL, now=NOW)


def test_ten_thousand_issues_fit_with_default_caps(big):
    assert len(big.overdue) > 1000
    md = render_digest(big, repo=REPO)
    assert len(md.encode()) <= 65_536
    assert f"…and {len(big.overdue) - 25:,} more." in md
    assert "Lists are cut" not in md


def test_ten_thousand_issues_with_uncapped_lists_are_trimmed_not_rejected(big):
    md = render_digest(big, repo=REPO, list_cap=10_000)
    assert len(md.encode()) <= 65_536
    note = re.search(r"Lists are cut to ([\d,]+) entries each", md)
    assert note is not None
    cap = int(note.group(1).replace(",", ""))
    assert 100 < cap < len(big.overdue)
    # The cap is the largest that fits: one more entry would not.
    longer = render_digest(big, repo=REPO, list_cap=cap + 1, max_chars=10**9)
    assert len(longer.encode()) > 65_536
    assert md.count("```") % 2 == 0


@pytest.mark.parametrize(
    ("max_chars", "ending"),
    [
        (40, None),  # not even the note fits: a prefix of it, still within the limit
        (300, "cut to fit GitHub's size limit."),
        (1_500, "cut to fit GitHub's size limit."),
        (3_000, "cut to fit GitHub's size limit."),
        (6_000, "linearly between ranks.</sub>"),  # lists shrink first, cut nothing
        (9_000, "linearly between ranks.</sub>"),
    ],
)
def test_small_limits_shrink_lists_then_cut_at_sections(big, max_chars, ending):
    md = render_digest(big, repo=REPO, max_chars=max_chars)
    assert len(md.encode()) <= max_chars
    if ending:
        assert md.rstrip().endswith(ending)
        assert md.count("```") % 2 == 0


def test_big_output_has_no_addresses(big):
    md = render_digest(big, repo=REPO, list_cap=200)
    assert not re.search(r"[\w.+-]+@[\w-]+\.\w+", md)


# --------------------------------------------------------------------------- example


def example_markdown() -> str:
    """The digest shown in docs/example-digest.md (deterministic)."""
    issues, clocks = synthetic_backlog(1_700)
    nums = compute_digest(issues, clocks, W47, digest_label=LABEL, now=NOW)
    title = digest_title(W47)
    body = render_digest(nums, repo=REPO, list_cap=10)  # shorter than the default 25
    return (
        "# Example weekly digest\n\n"
        "Rendered by `recovery_bot.digest.render` from a synthetic backlog (1,700 issues over 14\n"
        "months, response and closing delays shaped like FIELD-NOTES section 3). Regenerate\n"
        "with `python tests/test_digest.py --write-example`. Lists are capped at 10 here\n"
        "(the default is 25).\n\n"
        f"Issue title: `{title}`\n\n"
        "---\n\n" + body
    )


def test_example_is_deterministic_and_clean():
    md = example_markdown()
    assert md == example_markdown()
    assert "@example.org" not in md
