"""REST endpoints about the repository and the people around it: the repository, a
collaborator's permission, team membership, repository labels, ``/user`` and
``/rate_limit``.

These are what the bot reads to decide who may command it (permissions, teams) and how
fast it may go (rate limits); they never change state.
"""

from __future__ import annotations

from recovery_bot.sandbox.github.builders import StateBuilders
from recovery_bot.sandbox.github.model import PERMISSIONS, Ctx, Resp, not_found


class RepoRoutes(StateBuilders):
    """Read-only handlers: repository, permissions, teams, labels, user, rate limit."""

    def _get_user(self, ctx: Ctx) -> Resp:
        assert ctx.login is not None
        return Resp(200, self._user_json(ctx.login))

    def _get_rate_limit(self, ctx: Ctx) -> Resp:
        resources = {}
        for name in self._buckets:
            b = self._bucket(name)
            resources[name] = {
                "limit": b.limit,
                "used": b.used,
                "remaining": max(b.limit - b.used, 0),
                "reset": b.reset,
            }
        return Resp(200, {"resources": resources, "rate": resources["core"]})

    def _team_membership(self, ctx: Ctx, org: str, team: str, login: str) -> Resp:
        member = self._teams.get((org.lower(), team.lower()), {}).get(login.lower())
        if member is None:
            raise not_found()
        role, state = member
        return Resp(
            200,
            {
                "url": f"{self.api_url}/orgs/{org}/teams/{team}/memberships/{login}",
                "role": role,
                "state": state,
            },
        )

    def _get_repo(self, ctx: Ctx, owner: str, name: str) -> Resp:
        return Resp(200, self._repo_json(self._repo(f"{owner}/{name}")))

    def _permission(self, ctx: Ctx, owner: str, name: str, login: str) -> Resp:
        repo = self._repo(f"{owner}/{name}")
        if login.lower() not in self._users:
            raise not_found()
        role = repo.collaborators.get(login.lower(), "read")
        permission = {"maintain": "write", "triage": "read"}.get(role, role)
        rank = PERMISSIONS.index(role)
        perms = {
            "admin": rank <= 0,
            "maintain": rank <= 1,
            "push": rank <= 2,
            "triage": rank <= 3,
            "pull": True,
        }
        return Resp(
            200,
            {
                "permission": permission,
                "role_name": role,
                "user": {**self._user_json(login), "permissions": perms, "role_name": role},
            },
        )

    def _list_repo_labels(self, ctx: Ctx, owner: str, name: str) -> Resp:
        repo = self._repo(f"{owner}/{name}")
        items = [self._label_json(repo, lbl) for lbl in repo.labels.values()]
        page, link = self._paginate(ctx, items)
        return Resp(200, list(page), link)
