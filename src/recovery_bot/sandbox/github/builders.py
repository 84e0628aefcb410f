"""The test-facing state API: put repositories, people, issues, comments and history on
"GitHub" as if they had happened there, and read the result back as REST JSON.

Tests, the demo and the benchmarks build their scenarios with these methods
(:meth:`StateBuilders.add_issue`, :meth:`~StateBuilders.add_event`...) and assert with
:meth:`~StateBuilders.issue`, :meth:`~StateBuilders.labels`, :meth:`~StateBuilders.comments`;
none of them goes through HTTP, so a scenario costs no requests and no rate limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from recovery_bot.sandbox.github.model import PERMISSIONS, Issue, Repo, aware
from recovery_bot.sandbox.github.store import GitHubStore
from recovery_bot.sandbox.github.views import JsonViews


class LiveIssue(dict[str, Any]):
    """The issue JSON, where setting a plain field also changes the fake's state.

    ``fake.issue(repo, n)["body"] = "..."`` is how a test (or the demo) says "the issue
    was edited on GitHub before the delivery arrived"; a detached copy would silently
    ignore that.
    """

    _WRITABLE = frozenset({"title", "body", "state", "state_reason", "locked"})

    def __init__(self, fake: GitHubStore, issue: Issue, data: dict[str, Any]) -> None:
        super().__init__(data)
        self._fake = fake
        self._issue = issue

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        if key in self._WRITABLE:
            setattr(self._issue, key, value)
            self._fake._touch()


class StateBuilders(JsonViews):
    """Build state as if it had happened on GitHub, and read it back as REST JSON."""

    def add_user(self, login: str, type_: str = "User") -> None:
        """Make a GitHub account exist (the permission endpoint 404s for unknown logins)."""
        self._user(login, type_)

    def add_repo(self, full_name: str, *, collaborators: Mapping[str, str] = {}) -> None:
        """Create (or update) a repository; ``collaborators`` maps login -> permission."""
        repo = self._find_repo(full_name)
        if repo is None:
            repo = Repo(full_name, self._next("repo"), {})
            self._repos[full_name.lower()] = repo
            self._user(repo.owner, "Organization")
        for login, perm in collaborators.items():
            self.set_permission(full_name, login, perm)
        self._touch()

    def set_permission(self, repo: str, login: str, permission: str | None) -> None:
        """Grant (or with ``None`` revoke) a collaborator role on ``repo``."""
        if permission is not None and permission not in PERMISSIONS:
            raise ValueError(f"permission must be one of {PERMISSIONS}, not {permission!r}")
        r = self._repo(repo)
        self._user(login)
        if permission is None:
            r.collaborators.pop(login.lower(), None)
        else:
            r.collaborators[login.lower()] = permission

    def add_team_member(
        self, org: str, team: str, login: str, *, role: str = "member", state: str = "active"
    ) -> None:
        """Put ``login`` in ``org/team`` (``state="pending"`` for an unaccepted invite)."""
        self._user(login)
        self._teams.setdefault((org.lower(), team.lower()), {})[login.lower()] = (role, state)

    def add_label(
        self, repo: str, name: str, *, color: str = "ededed", description: str | None = None
    ) -> dict[str, Any]:
        """Create a repository label (no-op if it exists); returns its JSON."""
        return self._label_json(
            self._repo(repo), self._ensure_label(self._repo(repo), name, color, description)
        )

    def add_issue(
        self,
        repo: str,
        *,
        title: str,
        body: str | None,
        user: str = "reporter",
        user_type: str = "User",
        author_association: str = "NONE",
        labels: Iterable[str] = (),
        created_at: datetime | None = None,
        state: str = "open",
        state_reason: str | None = None,
        closed_at: datetime | None = None,
        pull_request: bool = False,
        number: int | None = None,
        updated_at: datetime | None = None,
        closed_by: str | None = None,
        assignees: Iterable[str] = (),
    ) -> dict[str, Any]:
        """Put an issue on "GitHub" as if it had been filed; returns its REST JSON.

        Labels given here are recorded as ``labeled`` events by the author at creation
        time, which is what an issue form's ``labels:`` key produces. A closed issue gets
        a ``closed`` event at ``closed_at`` (default: creation time) by ``closed_by``.
        """
        if self._find_repo(repo) is None:
            self.add_repo(repo)
        r = self._repo(repo)
        if number is None:
            number = r.next_number
        elif number in r.issues:
            raise ValueError(f"{repo}#{number} already exists")
        r.next_number = max(r.next_number, number + 1)
        created = aware(created_at) if created_at else self._now()
        author = self._user(user, user_type).login
        issue = Issue(
            repo=r.full_name,
            number=number,
            id=self._next("issue"),
            title=title,
            body=body,
            user=author,
            author_association=author_association,
            labels=[],
            state=state,
            state_reason=state_reason,
            created_at=created,
            updated_at=created,
            closed_at=None,
            closed_by=None,
            pull_request=pull_request,
            via_app=author.lower() == self.bot_login.lower(),
        )
        r.issues[number] = issue
        for name in labels:
            lbl = self._ensure_label(r, name)
            if lbl not in issue.labels:
                issue.labels.append(lbl)
                self._record(issue, "labeled", author, created, label=lbl)
        for login in assignees:
            issue.assignees.append(self._user(login).login)
            self._record(issue, "assigned", author, created, assignee=login)
        if state == "closed":
            issue.closed_at = aware(closed_at) if closed_at else created
            issue.state_reason = state_reason or "completed"
            issue.closed_by = closed_by or author
            self._record(
                issue, "closed", issue.closed_by, issue.closed_at, state_reason=issue.state_reason
            )
        issue.updated_at = aware(updated_at) if updated_at else (issue.closed_at or created)
        self._touch()
        return self._issue_json(issue)

    def add_comment(
        self,
        repo: str,
        number: int,
        *,
        body: str,
        user: str = "someone",
        user_type: str = "User",
        author_association: str = "NONE",
        created_at: datetime | None = None,
    ) -> dict[str, Any]:
        """Add a comment as if ``user`` had written it; returns its REST JSON."""
        issue = self._issue(repo, number)
        when = aware(created_at) if created_at else self._now()
        comment = self._new_comment(
            issue, body, self._user(user, user_type).login, author_association, when
        )
        issue.updated_at = max(issue.updated_at, when)
        return self._comment_json(comment)

    def add_event(
        self,
        repo: str,
        number: int,
        event: str,
        *,
        actor: str,
        label: str | None = None,
        assignee: str | None = None,
        state_reason: str | None = None,
        created_at: datetime | None = None,
        apply: bool = True,
    ) -> None:
        """Write issue history: ``labeled``/``unlabeled``/``closed``/``reopened``/``assigned``.

        With ``apply=True`` the issue's state changes too (the label is added, the issue
        closed...), so "a maintainer added X ten days ago" is one call. This is how SLA
        and digest tests build backlogs with real clocks.
        """
        issue = self._issue(repo, number)
        r = self._repo(repo)
        when = aware(created_at) if created_at else self._now()
        lbl = self._ensure_label(r, label) if label else None
        actor = self._user(actor).login
        if apply:
            if event == "labeled" and lbl and lbl not in issue.labels:
                issue.labels.append(lbl)
            elif event == "unlabeled" and lbl and lbl in issue.labels:
                issue.labels.remove(lbl)
            elif event == "closed":
                issue.state, issue.closed_at, issue.closed_by = "closed", when, actor
                issue.state_reason = state_reason = state_reason or "completed"
            elif event == "reopened":
                issue.state, issue.closed_at, issue.state_reason = "open", None, "reopened"
            elif event == "assigned" and assignee and assignee not in issue.assignees:
                issue.assignees.append(self._user(assignee).login)
            elif event == "unassigned" and assignee in issue.assignees:
                issue.assignees.remove(assignee)
            issue.updated_at = max(issue.updated_at, when)
        self._record(
            issue, event, actor, when, label=lbl, assignee=assignee, state_reason=state_reason
        )
        self._touch()

    def delete_issue(self, repo: str, number: int) -> None:
        """Make the issue answer 410 Gone, as a deleted issue does."""
        self._issue(repo, number).deleted = True
        self._touch()

    # -- reading state back --------------------------------------------------

    def issue(self, repo: str, number: int) -> dict[str, Any]:
        """The issue's REST JSON (KeyError if absent); setting title/body/state writes through."""
        issue = self._issue(repo, number)
        return LiveIssue(self, issue, self._issue_json(issue))

    def issue_payload(self, repo: str, number: int) -> dict[str, Any]:
        """The ``issue`` object of a webhook payload: the same shape as the REST JSON."""
        return self._issue_json(self._issue(repo, number))

    def repo_payload(self, repo: str) -> dict[str, Any]:
        """The ``repository`` object of a webhook payload."""
        return self._repo_json(self._repo(repo))

    def comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        return [self._comment_json(c) for c in self._issue(repo, number).comments]

    def labels(self, repo: str, number: int) -> list[str]:
        return [lbl.name for lbl in self._issue(repo, number).labels]

    def events(self, repo: str, number: int) -> list[dict[str, Any]]:
        issue = self._issue(repo, number)
        return [self._event_json(issue, ev) for ev in issue.events]

    def reactions(
        self, repo: str, number: int, comment_id: int | None = None
    ) -> list[dict[str, Any]]:
        """Reactions on the issue, or on one of its comments."""
        if comment_id is not None:
            return [self._reaction_json(x) for x in self._comments[comment_id].reactions]
        return [self._reaction_json(x) for x in self._issue(repo, number).reactions]
