"""REST endpoints on issue comments (list, create, edit, delete) and reactions on issues
and comments.

Comments are the bot's main output, so this is where GitHub's rules on them live:
non-empty bodies under 65,536 characters, comments addressed by repository, and a second
identical reaction answered 200 with the existing one instead of creating a duplicate.
"""

from __future__ import annotations

from collections.abc import Sequence

from recovery_bot.sandbox.github.builders import StateBuilders
from recovery_bot.sandbox.github.model import (
    REACTIONS,
    Comment,
    Ctx,
    Reaction,
    Resp,
    not_found,
    parse_time,
    validation_error,
)


class CommentRoutes(StateBuilders):
    """Issue comment and reaction handlers."""

    def _list_comments(self, ctx: Ctx, owner: str, name: str, number: str) -> Resp:
        issue = self._issue_for(owner, name, number)
        items: Sequence[Comment] = issue.comments
        if ctx.query.get("since"):
            since = parse_time(ctx.query["since"])
            items = [c for c in items if c.updated_at >= since]
        page, link = self._paginate(ctx, items)
        return Resp(200, [self._comment_json(c) for c in page], link)

    def _create_comment(self, ctx: Ctx, owner: str, name: str, number: str) -> Resp:
        issue = self._issue_for(owner, name, number)
        data = ctx.json if isinstance(ctx.json, dict) else {}
        body = data.get("body")
        if not isinstance(body, str) or not body:
            raise validation_error("IssueComment", "body", "missing_field")
        self._check_body(body, "IssueComment")
        assert ctx.login is not None
        repo = self._repos[issue.repo.lower()]
        now = self._now()
        comment = self._new_comment(issue, body, ctx.login, self._association(repo, ctx.login), now)
        issue.updated_at = now
        return Resp(201, self._comment_json(comment))

    def _comment_for(self, owner: str, name: str, cid: str) -> Comment:
        repo = self._repo(f"{owner}/{name}")
        comment = self._comments.get(int(cid)) if cid.isdigit() else None
        if comment is None or comment.repo != repo.full_name:
            raise not_found()
        return comment

    def _edit_comment(self, ctx: Ctx, owner: str, name: str, cid: str) -> Resp:
        comment = self._comment_for(owner, name, cid)
        data = ctx.json if isinstance(ctx.json, dict) else {}
        body = data.get("body")
        if not isinstance(body, str) or not body:
            raise validation_error("IssueComment", "body", "missing_field")
        self._check_body(body, "IssueComment")
        comment.body = body
        comment.updated_at = self._now()
        issue = self._repos[comment.repo.lower()].issues[comment.number]
        issue.updated_at = comment.updated_at
        self._touch()
        return Resp(200, self._comment_json(comment))

    def _delete_comment(self, ctx: Ctx, owner: str, name: str, cid: str) -> Resp:
        comment = self._comment_for(owner, name, cid)
        issue = self._repos[comment.repo.lower()].issues[comment.number]
        issue.comments.remove(comment)
        del self._comments[comment.id]
        self._touch()
        return Resp(204, None)

    # -- reactions -----------------------------------------------------------

    def _react(self, ctx: Ctx, target: list[Reaction]) -> Resp:
        data = ctx.json if isinstance(ctx.json, dict) else {}
        content = data.get("content")
        if content not in REACTIONS:
            raise validation_error(
                "Reaction", "content", "custom", "content is not included in the list"
            )
        assert ctx.login is not None
        for existing in target:
            if existing.user.lower() == ctx.login.lower() and existing.content == content:
                return Resp(200, self._reaction_json(existing))
        reaction = Reaction(self._next("reaction"), ctx.login, content, self._now())
        target.append(reaction)
        self._touch()
        return Resp(201, self._reaction_json(reaction))

    def _react_comment(self, ctx: Ctx, owner: str, name: str, cid: str) -> Resp:
        return self._react(ctx, self._comment_for(owner, name, cid).reactions)

    def _react_issue(self, ctx: Ctx, owner: str, name: str, number: str) -> Resp:
        return self._react(ctx, self._issue_for(owner, name, number).reactions)
