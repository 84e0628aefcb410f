# ruff: noqa: E501  (the bullets are pinned verbatim, one string each)
"""The exact fix-it bullets of the triage comment, one per problem (answers.fix_items).

Most comment tests check whole comments per situation; these pin every bullet on its
own, so a changed word in one problem's text (or a problem falling to another's bullet)
fails here. Found unchecked by a mutation test (tools/mutation_scores.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from recovery_bot.intake.answers import Reader, fix_items

FIX_ITEMS = [
    (
        "missing",
        {"username_problem": "missing"},
        [
            "**PyPI Username** is empty. Please enter the username you sign in to PyPI with, wrapped in backticks like `` `your-username` ``. If you don't know it, see below."
        ],
    ),
    (
        "other-host",
        {"username_problem": "looks_like_url_only_other_host"},
        [
            "**PyPI Username** holds a link that is not a PyPI profile. Please enter your PyPI username (the last part of `https://pypi.org/user/<username>/`)."
        ],
    ),
    (
        "project",
        {"username_problem": "project_url"},
        [
            '**PyPI Username** holds a link to a PyPI *project*. Projects can have several owners, so the PyPI team needs the *account*: please enter your username (it is listed under "Maintainers" on the project\'s page).'
        ],
    ),
    (
        "link-mismatch",
        {"username_problem": "link_mismatch"},
        [
            "**PyPI Username** holds a link whose text and target name two different accounts. Please enter just the one username you sign in with."
        ],
    ),
    (
        "multiple",
        {"username_problem": "multiple"},
        [
            "**PyPI Username** names more than one account. Please keep the one this request is for; each other account needs a request of its own."
        ],
    ),
    (
        "invalid",
        {"username_problem": "invalid"},
        [
            "**PyPI Username** is not a valid PyPI username. Usernames contain only letters, digits, `.`, `_` and `-`, and start and end with a letter or digit."
        ],
    ),
    (
        "not-found",
        {"username": "alice", "username_exists": False},
        [
            "**PyPI Username**: there is no account `alice` on pypi.org. Please check the spelling (`-`, `_` and `.` are different characters), and if you may have used another username, add it. If the account is on test.pypi.org rather than pypi.org, please say so in the reason."
        ],
    ),
    (
        "not-found-testpypi",
        {"username": "alice", "username_exists": False, "topics": ("testpypi",)},
        [
            "**PyPI Username**: there is no account `alice` on pypi.org. Please check the spelling (`-`, `_` and `.` are different characters), and if you may have used another username, add it. Note that test.pypi.org is a separate site with its own accounts."
        ],
    ),
    ("found", {"username": "alice", "username_exists": True}, []),
    ("unknown-problem", {"username_problem": "unknown"}, []),
    (
        "empty-reason-and-other",
        {"empty_required": ("Reason for request", "Other")},
        [
            "**Reason for request** is empty. Please say what you lost: access to the account's e-mail address, your two-factor device, or both.",
            "**Other** is empty. Please fill it in.",
        ],
    ),
    (
        "unchecked",
        {"unchecked_required": ("Recovery Codes", "Code of Conduct", "Something")},
        [
            '**Recovery Codes**: please tick the box "I never generated or have lost access to the recovery codes for my account" (in the issue text, change `- [ ]` to `- [x]`).',
            '**Code of Conduct**: please tick the box "I agree to follow the PSF Code of Conduct" (in the issue text, change `- [ ]` to `- [x]`).',
            "**Something**: please tick the box.",
        ],
    ),
    (
        "unchecked-codes-mentioned",
        {
            "unchecked_required": ("Recovery Codes", "Acknowledgement"),
            "mentions_having_recovery_codes": True,
        },
        [
            '**Acknowledgement**: please tick the box "I understand that it may take a significant amount of time to process my account recovery request." (in the issue text, change `- [ ]` to `- [x]`).'
        ],
    ),
    (
        "missing-sections",
        {"missing_sections": ("PyPI Username", "Extra")},
        [
            "**PyPI Username** is missing from the issue. It holds the username you sign in to PyPI with. Please add it back, for example by pasting:\n\n  ```markdown\n  ### PyPI Username\n\n  `your-username`\n  ```",
            "**Extra** is missing from the issue. Please add it back, for example by pasting:\n\n  ```markdown\n  ### Extra\n\n  ...\n  ```",
        ],
    ),
]


@pytest.mark.parametrize(
    ("changes", "items"), [pytest.param(kw, items, id=cid) for cid, kw, items in FIX_ITEMS]
)
def test_fix_items(changes: dict[str, Any], items: list[str]) -> None:
    assert fix_items(Reader(situation="lost_2fa", **changes)) == items
