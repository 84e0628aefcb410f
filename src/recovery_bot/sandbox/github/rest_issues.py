"""REST endpoints on issues: get, list (filters, sort, ``Link`` pages), create, edit
(title, body, state and reason, labels, assignees), labels on an issue, events, the
timeline and assignees.

Each write records the events GitHub would (``labeled``, ``closed``, ``renamed``...) so
the bot's history readers and the SLA clocks see what they would see on GitHub.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from recovery_bot.sandbox.github.builders import StateBuilders
from recovery_bot.sandbox.github.model import (
    Ctx,
    Event,
    HTTPError,
    Issue,
    Label,
    Repo,
    Resp,
    parse_time,
    validation_error,
)
from recovery_bot.sandbox.github.search import sort_issues

STATE_REASONS = frozenset({"completed", "not_planned", "reopened", "duplicate"})


class IssueRoutes(StateBuilders):
    """``/repos/{owner}/{name}/issues...`` handlers (issues, their labels, events, assignees)."""

    def _get_issue(self, ctx: Ctx, owner: str, name: str, number: str) -> Resp:
        return Resp(200, self._issue_json(self._issue_for(owner, name, number)))

    def _list_issues(self, ctx: Ctx, owner: str, name: str) -> Resp:
        repo = self._repo(f"{owner}/{name}")
        q = ctx.query
        state = q.get("state", "open")
        if state not in ("open", "closed", "all"):
            raise validation_error("Issue", "state", "invalid")
        wanted = [w.strip().lower() for w in q.get("labels", "").split(",") if w.strip()]
        since = None
        if q.get("since"):
            try:
                since = parse_time(q["since"])
            except ValueError as exc:
                raise validation_error("Issue", "since", "invalid") from exc
        creator = q.get("creator", "").lower()
        assignee = q.get("assignee", "")
        sort, direction = q.get("sort", "created"), q.get("direction", "desc")

        def compute() -> list[Issue]:
            out = []
            for issue in repo.issues.values():
                if issue.deleted or (state != "all" and issue.state != state):
                    continue
                if since is not None and issue.updated_at < since:
                    continue
                if creator and issue.user.lower() != creator:
                    continue
                if assignee == "none" and issue.assignees:
                    continue
                if assignee == "*" and not issue.assignees:
                    continue
                if assignee not in ("", "none", "*") and assignee.lower() not in {
                    a.lower() for a in issue.assignees
                }:
                    continue
                if wanted and not all(issue.has_label(w) for w in wanted):
                    continue
                out.append(issue)
            return sort_issues(out, sort, direction)

        key = (
            "issues",
            repo.full_name,
            state,
            tuple(wanted),
            since,
            creator,
            assignee,
            sort,
            direction,
        )
        items = self._cached(key, compute)
        page, link = self._paginate(ctx, items)
        return Resp(200, [self._issue_json(i) for i in page], link)

    @staticmethod
    def _names(raw: Any) -> list[str]:
        """Label lists arrive as strings, ``{"name": ...}`` objects, or a single string."""
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list):
            raise validation_error("Label", "labels", "invalid")
        out = []
        for item in raw:
            if isinstance(item, dict):
                item = item.get("name")
            if not isinstance(item, str):
                raise validation_error("Label", "labels", "invalid")
            out.append(item)
        return out

    def _create_issue(self, ctx: Ctx, owner: str, name: str) -> Resp:
        repo = self._repo(f"{owner}/{name}")
        data = ctx.json if isinstance(ctx.json, dict) else {}
        title = data.get("title")
        if not isinstance(title, str) or not title.strip():
            raise validation_error("Issue", "title", "missing_field")
        self._check_body(data.get("body"), "Issue")
        labels = self._names(data.get("labels", []))
        for label in labels:
            self._ensure_label(repo, label)
        assert ctx.login is not None
        created = self.add_issue(
            repo.full_name,
            title=title,
            body=data.get("body"),
            user=ctx.login,
            user_type="Bot" if ctx.login.lower() == self.bot_login.lower() else "User",
            author_association=self._association(repo, ctx.login),
            labels=labels,
        )
        issue = repo.issues[created["number"]]
        for login in self._assignable(repo, data.get("assignees") or []):
            issue.assignees.append(login)
            self._record(issue, "assigned", ctx.login, self._now(), assignee=login)
        return Resp(201, self._issue_json(issue))

    def _assignable(self, repo: Repo, logins: Iterable[Any]) -> list[str]:
        """GitHub silently drops assignees who lack access to the repository."""
        return [
            self._user(str(login)).login
            for login in logins
            if str(login).lower() in repo.collaborators
        ]

    def _patch_issue(self, ctx: Ctx, owner: str, name: str, number: str) -> Resp:
        issue = self._issue_for(owner, name, number)
        repo = self._repos[issue.repo.lower()]
        data = ctx.json if isinstance(ctx.json, dict) else {}
        actor = ctx.login or "ghost"
        now = self._now()
        if "title" in data:
            if not isinstance(data["title"], str) or not data["title"].strip():
                raise validation_error("Issue", "title", "missing_field")
        if "body" in data:
            self._check_body(data["body"], "Issue")
        state = data.get("state")
        if state is not None and state not in ("open", "closed"):
            raise validation_error("Issue", "state", "invalid")
        reason = data.get("state_reason")
        if reason is not None and reason not in STATE_REASONS:
            raise validation_error("Issue", "state_reason", "invalid")
        labels = self._names(data["labels"]) if data.get("labels") is not None else None
        if labels is not None:
            new = [self._ensure_label(repo, n) for n in labels]
            self._replace_labels(issue, new, actor, now)
        if "title" in data and data["title"] != issue.title:
            self._record(issue, "renamed", actor, now, rename=(issue.title, data["title"]))
            issue.title = data["title"]
        if "body" in data:
            issue.body = data["body"]
        if "assignees" in data or "assignee" in data:
            raw = data.get("assignees")
            if raw is None:
                raw = [data["assignee"]] if data.get("assignee") else []
            self._replace_assignees(issue, self._assignable(repo, raw), actor, now)
        if state == "closed" and issue.state != "closed":
            issue.state, issue.closed_at, issue.closed_by = "closed", now, actor
            issue.state_reason = reason if reason not in (None, "reopened") else "completed"
            self._record(issue, "closed", actor, now, state_reason=issue.state_reason)
        elif state == "open" and issue.state == "closed":
            issue.state, issue.closed_at, issue.closed_by = "open", None, None
            issue.state_reason = "reopened"
            self._record(issue, "reopened", actor, now)
        elif reason is not None and state is None and issue.state == "closed":
            issue.state_reason = reason
        issue.updated_at = now
        self._touch()
        return Resp(200, self._issue_json(issue))

    def _replace_labels(self, issue: Issue, new: list[Label], actor: str, now: datetime) -> None:
        for lbl in list(issue.labels):
            if lbl not in new:
                issue.labels.remove(lbl)
                self._record(issue, "unlabeled", actor, now, label=lbl)
        for lbl in new:
            if lbl not in issue.labels:
                issue.labels.append(lbl)
                self._record(issue, "labeled", actor, now, label=lbl)

    def _replace_assignees(self, issue: Issue, new: list[str], actor: str, now: datetime) -> None:
        for login in list(issue.assignees):
            if login not in new:
                issue.assignees.remove(login)
                self._record(issue, "unassigned", actor, now, assignee=login)
        for login in new:
            if login not in issue.assignees:
                issue.assignees.append(login)
                self._record(issue, "assigned", actor, now, assignee=login)

    # -- labels on issues ----------------------------------------------------

    def _labels_resp(self, issue: Issue) -> Resp:
        repo = self._repos[issue.repo.lower()]
        return Resp(200, [self._label_json(repo, lbl) for lbl in issue.labels])

    def _label_body(self, ctx: Ctx) -> list[str]:
        raw = ctx.json
        if isinstance(raw, dict):
            raw = raw.get("labels")
        if raw is None:
            raise validation_error("Label", "labels", "missing_field")
        return self._names(raw)

    def _add_issue_labels(self, ctx: Ctx, owner: str, name: str, number: str) -> Resp:
        issue = self._issue_for(owner, name, number)
        repo = self._repos[issue.repo.lower()]
        new = [self._ensure_label(repo, n) for n in self._label_body(ctx)]
        now = self._now()
        for lbl in new:
            if lbl not in issue.labels:
                issue.labels.append(lbl)
                self._record(issue, "labeled", ctx.login or "ghost", now, label=lbl)
                issue.updated_at = now
        self._touch()
        return self._labels_resp(issue)

    def _remove_issue_label(self, ctx: Ctx, owner: str, name: str, number: str, label: str) -> Resp:
        issue = self._issue_for(owner, name, number)
        found = next((lbl for lbl in issue.labels if lbl.name.lower() == label.lower()), None)
        if found is None:
            raise HTTPError(404, "Label does not exist")
        now = self._now()
        issue.labels.remove(found)
        self._record(issue, "unlabeled", ctx.login or "ghost", now, label=found)
        issue.updated_at = now
        self._touch()
        return self._labels_resp(issue)

    # -- events and timeline -------------------------------------------------

    def _list_events(self, ctx: Ctx, owner: str, name: str, number: str) -> Resp:
        issue = self._issue_for(owner, name, number)
        items = sorted(issue.events, key=lambda e: (e.created_at, e.seq))
        page, link = self._paginate(ctx, items)
        return Resp(200, [self._event_json(issue, ev) for ev in page], link)

    def _list_timeline(self, ctx: Ctx, owner: str, name: str, number: str) -> Resp:
        issue = self._issue_for(owner, name, number)
        merged: list[tuple[datetime, int, Any]] = [(e.created_at, e.seq, e) for e in issue.events]
        merged += [(c.created_at, c.seq, c) for c in issue.comments]
        merged.sort(key=lambda t: (t[0], t[1]))
        page, link = self._paginate(ctx, [item for _when, _seq, item in merged])
        out = []
        for item in page:
            if isinstance(item, Event):
                out.append(self._event_json(issue, item))
            else:
                c = self._comment_json(item)
                out.append({**c, "event": "commented", "actor": c["user"]})
        return Resp(200, out, link)

    # -- assignees -----------------------------------------------------------

    def _assignee_body(self, ctx: Ctx) -> list[Any]:
        data = ctx.json if isinstance(ctx.json, dict) else {}
        raw = data.get("assignees", [])
        return raw if isinstance(raw, list) else [raw]

    def _add_assignees(self, ctx: Ctx, owner: str, name: str, number: str) -> Resp:
        issue = self._issue_for(owner, name, number)
        repo = self._repos[issue.repo.lower()]
        now = self._now()
        for login in self._assignable(repo, self._assignee_body(ctx)):
            if login not in issue.assignees and len(issue.assignees) < 10:
                issue.assignees.append(login)
                self._record(issue, "assigned", ctx.login or "ghost", now, assignee=login)
                issue.updated_at = now
        self._touch()
        return Resp(201, self._issue_json(issue))

    def _remove_assignees(self, ctx: Ctx, owner: str, name: str, number: str) -> Resp:
        issue = self._issue_for(owner, name, number)
        now = self._now()
        gone = {str(x).lower() for x in self._assignee_body(ctx)}
        for login in list(issue.assignees):
            if login.lower() in gone:
                issue.assignees.remove(login)
                self._record(issue, "unassigned", ctx.login or "ghost", now, assignee=login)
                issue.updated_at = now
        self._touch()
        return Resp(200, self._issue_json(issue))
