"""GitHub's REST wire shapes: the JSON of users, repositories, labels, issues, comments,
events, reactions and deliveries, plus what every REST handler shares (``Link``
pagination, body-length checks, the 404/410 issue lookup).

One place for the shapes because the same issue JSON is answered by ``GET /issues/{n}``,
listed by search, embedded in webhook payloads and returned by :meth:`add_issue`: a
field added here shows up everywhere, as on GitHub.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from recovery_bot.sandbox.github.model import (
    BODY_LIMIT,
    REACTIONS,
    Comment,
    Ctx,
    Delivery,
    Event,
    HTTPError,
    Issue,
    Label,
    Reaction,
    Repo,
    body_too_long,
    iso,
    node_id,
    not_found,
    validation_error,
)
from recovery_bot.sandbox.github.store import GitHubStore


class JsonViews(GitHubStore):
    """REST JSON shapes and the helpers every REST handler shares."""

    def _user_json(self, login: str) -> dict[str, Any]:
        user = self._user(login)
        html = (
            f"https://github.com/apps/{user.login.removesuffix('[bot]')}"
            if user.type == "Bot"
            else f"https://github.com/{user.login}"
        )
        return {
            "login": user.login,
            "id": user.id,
            "node_id": node_id("U", user.id),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{user.id}?v=4",
            "gravatar_id": "",
            "url": f"{self.api_url}/users/{user.login}",
            "html_url": html,
            "type": user.type,
            "user_view_type": "public",
            "site_admin": False,
        }

    def _app_json(self) -> dict[str, Any]:
        return {
            "id": int(self.app_id) if self.app_id and str(self.app_id).isdigit() else 1,
            "slug": self.app_slug,
            "node_id": node_id("A", 1),
            "name": self.app_slug,
            "owner": self._user_json(next(iter(self._repos.values())).owner)
            if self._repos
            else None,
            "description": "Triages PyPI account-recovery requests",
            "external_url": "https://github.com/pypi/support",
            "html_url": f"https://github.com/apps/{self.app_slug}",
            "permissions": {"issues": "write", "metadata": "read", "members": "read"},
            "events": ["issues", "issue_comment"],
            "installations_count": 1,
        }

    def _installation_json(self) -> dict[str, Any]:
        owner = next(iter(self._repos.values())).owner if self._repos else "pypi"
        return {
            "id": self.installation_id,
            "account": {**self._user_json(owner), "type": "Organization"},
            "app_id": self._app_json()["id"],
            "app_slug": self.app_slug,
            "target_type": "Organization",
            "repository_selection": "all",
            "permissions": self._app_json()["permissions"],
            "events": self._app_json()["events"],
            "suspended_at": None,
        }

    def _repo_json(self, repo: Repo) -> dict[str, Any]:
        owner, _, short = repo.full_name.partition("/")
        api = f"{self.api_url}/repos/{repo.full_name}"
        return {
            "id": repo.id,
            "node_id": node_id("R", repo.id),
            "name": short,
            "full_name": repo.full_name,
            "private": False,
            "owner": {**self._user_json(owner), "type": "Organization"},
            "html_url": f"https://github.com/{repo.full_name}",
            "url": api,
            "issues_url": api + "/issues{/number}",
            "labels_url": api + "/labels{/name}",
            "has_issues": True,
            "archived": False,
            "open_issues_count": sum(1 for i in repo.issues.values() if i.state == "open"),
            "default_branch": "main",
            "visibility": "public",
        }

    def _label_json(self, repo: Repo, lbl: Label) -> dict[str, Any]:
        return {
            "id": lbl.id,
            "node_id": node_id("LA", lbl.id),
            "url": f"{self.api_url}/repos/{repo.full_name}/labels/{lbl.name}",
            "name": lbl.name,
            "color": lbl.color,
            "default": False,
            "description": lbl.description,
        }

    def _reactions_summary(self, url: str, reactions: list[Reaction]) -> dict[str, Any]:
        summary: dict[str, Any] = {"url": url, "total_count": len(reactions)}
        for content in REACTIONS:
            summary[content] = sum(1 for x in reactions if x.content == content)
        return summary

    def _issue_json(self, issue: Issue) -> dict[str, Any]:
        repo = self._repos[issue.repo.lower()]
        api = f"{self.api_url}/repos/{issue.repo}/issues/{issue.number}"
        kind = "pull" if issue.pull_request else "issues"
        data: dict[str, Any] = {
            "url": api,
            "repository_url": f"{self.api_url}/repos/{issue.repo}",
            "labels_url": api + "/labels{/name}",
            "comments_url": api + "/comments",
            "events_url": api + "/events",
            "html_url": f"https://github.com/{issue.repo}/{kind}/{issue.number}",
            "id": issue.id,
            "node_id": node_id("I", issue.id),
            "number": issue.number,
            "title": issue.title,
            "user": self._user_json(issue.user),
            "labels": [self._label_json(repo, lbl) for lbl in issue.labels],
            "state": issue.state,
            "locked": issue.locked,
            "assignee": self._user_json(issue.assignees[0]) if issue.assignees else None,
            "assignees": [self._user_json(a) for a in issue.assignees],
            "milestone": None,
            "comments": len(issue.comments),
            "created_at": iso(issue.created_at),
            "updated_at": iso(issue.updated_at),
            "closed_at": iso(issue.closed_at),
            "closed_by": self._user_json(issue.closed_by) if issue.closed_by else None,
            "author_association": issue.author_association,
            "active_lock_reason": None,
            "body": issue.body,
            "reactions": self._reactions_summary(api + "/reactions", issue.reactions),
            "timeline_url": api + "/timeline",
            "performed_via_github_app": self._app_json() if issue.via_app else None,
            "state_reason": issue.state_reason,
        }
        if issue.pull_request:
            pr = f"{self.api_url}/repos/{issue.repo}/pulls/{issue.number}"
            data["draft"] = False
            data["pull_request"] = {
                "url": pr,
                "html_url": data["html_url"],
                "diff_url": data["html_url"] + ".diff",
                "patch_url": data["html_url"] + ".patch",
                "merged_at": None,
            }
        return data

    def _comment_json(self, c: Comment) -> dict[str, Any]:
        api = f"{self.api_url}/repos/{c.repo}/issues/comments/{c.id}"
        return {
            "url": api,
            "html_url": f"https://github.com/{c.repo}/issues/{c.number}#issuecomment-{c.id}",
            "issue_url": f"{self.api_url}/repos/{c.repo}/issues/{c.number}",
            "id": c.id,
            "node_id": node_id("IC", c.id),
            "user": self._user_json(c.user),
            "created_at": iso(c.created_at),
            "updated_at": iso(c.updated_at),
            "author_association": c.author_association,
            "body": c.body,
            "reactions": self._reactions_summary(api + "/reactions", c.reactions),
            "performed_via_github_app": self._app_json() if c.via_app else None,
        }

    def _event_json(self, issue: Issue, ev: Event) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": ev.id,
            "node_id": node_id("E", ev.id),
            "url": f"{self.api_url}/repos/{issue.repo}/issues/events/{ev.id}",
            "actor": self._user_json(ev.actor),
            "event": ev.event,
            "commit_id": None,
            "commit_url": None,
            "created_at": iso(ev.created_at),
            "performed_via_github_app": self._app_json() if ev.via_app else None,
        }
        if ev.label is not None:
            data["label"] = {"name": ev.label.name, "color": ev.label.color}
        if ev.assignee is not None:
            data["assignee"] = self._user_json(ev.assignee)
            data["assigner"] = self._user_json(ev.actor)
        if ev.event == "closed":
            data["state_reason"] = ev.state_reason
        if ev.rename is not None:
            data["rename"] = {"from": ev.rename[0], "to": ev.rename[1]}
        return data

    def _reaction_json(self, x: Reaction) -> dict[str, Any]:
        return {
            "id": x.id,
            "node_id": node_id("REA", x.id),
            "user": self._user_json(x.user),
            "content": x.content,
            "created_at": iso(x.created_at),
        }

    def _delivery_json(self, d: Delivery) -> dict[str, Any]:
        return {
            "id": d.id,
            "guid": d.guid,
            "delivered_at": iso(d.delivered_at),
            "redelivery": d.redelivery,
            "duration": d.duration,
            "status": d.status,
            "status_code": d.status_code,
            "event": d.event,
            "action": d.action,
            "installation_id": d.installation_id,
            "repository_id": d.repository_id,
            "throttled_at": None,
        }

    # -- pagination, request bodies, lookups ---------------------------------

    @staticmethod
    def _int(query: Mapping[str, str], key: str, default: int) -> int:
        try:
            return int(query.get(key, default))
        except (TypeError, ValueError):
            return default

    def _paginate(
        self, ctx: Ctx, items: Sequence[Any], *, cap: int | None = None
    ) -> tuple[Sequence[Any], dict[str, str]]:
        """Slice one page and build GitHub's ``Link`` header (next/last/first/prev)."""
        per_page = min(max(self._int(ctx.query, "per_page", 30), 1), 100)
        page = max(self._int(ctx.query, "page", 1), 1)
        total = len(items) if cap is None else min(len(items), cap)
        last = max((total + per_page - 1) // per_page, 1)
        chunk = items[(page - 1) * per_page : min(page * per_page, total)]

        def link(p: int) -> str:
            q = {**ctx.query, "page": str(p)}
            return f"<{self.url}{ctx.raw_path}?{urlencode(q)}>"

        rels = []
        if page < last:
            rels += [f'{link(page + 1)}; rel="next"', f'{link(last)}; rel="last"']
        if page > 1:
            rels += [f'{link(page - 1)}; rel="prev"', f'{link(1)}; rel="first"']
        return chunk, ({"link": ", ".join(rels)} if rels else {})

    def _check_body(self, body: Any, resource: str) -> None:
        if body is not None and not isinstance(body, str):
            raise validation_error(resource, "body", "invalid")
        if body is not None and len(body) > BODY_LIMIT:
            raise body_too_long(resource)

    def _issue_for(self, owner: str, name: str, number: str) -> Issue:
        repo = self._repo(f"{owner}/{name}")
        if not number.isdigit():
            raise not_found()
        issue = repo.issues.get(int(number))
        if issue is None:
            raise not_found()
        if issue.deleted:
            raise HTTPError(410, "This issue was deleted")
        return issue
