"""The GitHub App side: installation tokens (minted by the JWT-only endpoint, or directly
with :meth:`AppRoutes.mint_token`), the App and installation JSON, and the webhook
delivery log with redelivery.

Kept together because they are what an App (not a user) sees: a test of the bot's
start-up, token refresh or redelivery sweep only needs this module and the server.
Webhooks are sent only when asked (:meth:`AppRoutes.send_webhook`), never by API writes.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import aiohttp

from recovery_bot.platform.github import webhook_signature
from recovery_bot.sandbox.github.builders import StateBuilders
from recovery_bot.sandbox.github.model import (
    Ctx,
    Delivery,
    Resp,
    aware,
    iso,
    node_id,
    not_found,
    validation_error,
)


class AppRoutes(StateBuilders):
    """App authentication, installation tokens, the delivery log and webhooks."""

    def mint_token(self, *, expires_in: timedelta = timedelta(hours=1)) -> str:
        """An installation token for the bot, without the JWT dance."""
        token = "ghs_" + secrets.token_urlsafe(27).replace("-", "a").replace("_", "b")[:36]
        self._minted[token] = self._now() + expires_in
        return token

    def expire_tokens(self) -> None:
        """Make every minted installation token stale (the next use gets 401)."""
        stale = self._now() - timedelta(seconds=1)
        for token in self._minted:
            self._minted[token] = stale

    def _get_app(self, ctx: Ctx) -> Resp:
        return Resp(200, self._app_json())

    def _repo_installation(self, ctx: Ctx, owner: str, name: str) -> Resp:
        self._repo(f"{owner}/{name}")
        return Resp(200, self._installation_json())

    def _mint(self, ctx: Ctx, iid: str) -> Resp:
        token = self.mint_token()
        return Resp(
            201,
            {
                "token": token,
                "expires_at": iso(self._minted[token]),
                "permissions": {"issues": "write", "metadata": "read", "members": "read"},
                "repository_selection": "all",
            },
        )

    # -- the delivery log and webhooks ---------------------------------------

    def add_delivery(
        self,
        guid: str,
        event: str,
        action: str | None,
        status_code: int,
        delivered_at: datetime | None = None,
        payload: Any = None,
        *,
        redelivery: bool = False,
        duration: float = 0.12,
        status: str | None = None,
    ) -> dict[str, Any]:
        """Record a webhook delivery attempt as GitHub's delivery log would show it."""
        if status is None:
            status = "OK" if 200 <= status_code < 300 else f"Invalid HTTP Response: {status_code}"
            if status_code == 0:
                status = "timed out"
        repo_id = None
        if isinstance(payload, dict) and isinstance(payload.get("repository"), dict):
            repo_id = payload["repository"].get("id")
        d = Delivery(
            id=self._next("delivery"),
            guid=guid,
            event=event,
            action=action,
            status_code=status_code,
            status=status,
            delivered_at=aware(delivered_at) if delivered_at else self._now(),
            redelivery=redelivery,
            duration=duration,
            payload=payload,
            installation_id=self.installation_id,
            repository_id=repo_id,
        )
        self._deliveries.append(d)
        return self._delivery_json(d)

    def deliveries(self) -> list[dict[str, Any]]:
        """Every recorded delivery attempt, newest first (as the API lists them)."""
        return [self._delivery_json(d) for d in self._sorted_deliveries()]

    def set_webhook(self, url: str, secret: str) -> None:
        """Where :meth:`send_webhook` and redeliveries POST, and the secret they sign with."""
        self._webhook = (url, secret)

    def webhook_payload(
        self,
        event: str,
        action: str,
        repo: str,
        number: int | None = None,
        *,
        sender: str | None = None,
        comment_id: int | None = None,
        label: str | None = None,
        changes: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A webhook payload built from current state (``issues``/``issue_comment``...)."""
        r = self._repo(repo)
        payload: dict[str, Any] = {"action": action}
        default_sender = None
        if number is not None:
            issue = self._issue(repo, number)
            payload["issue"] = self._issue_json(issue)
            default_sender = issue.user
        if comment_id is not None:
            comment = self._comments[comment_id]
            payload["comment"] = self._comment_json(comment)
            default_sender = comment.user
        if label is not None:
            payload["label"] = self._label_json(r, self._ensure_label(r, label))
        if changes is not None:
            payload["changes"] = dict(changes)
        payload["repository"] = self._repo_json(r)
        payload["organization"] = {
            "login": r.owner,
            "id": self._user(r.owner, "Organization").id,
            "url": f"{self.api_url}/orgs/{r.owner}",
        }
        payload["sender"] = self._user_json(sender or default_sender or self.bot_login)
        payload["installation"] = {
            "id": self.installation_id,
            "node_id": node_id("MDIz", self.installation_id),
        }
        return payload

    async def send_webhook(
        self,
        event: str,
        payload: Mapping[str, Any],
        *,
        guid: str | None = None,
        redelivery: bool = False,
    ) -> int:
        """POST a signed delivery to the :meth:`set_webhook` URL; record it; return the status.

        Connection errors and timeouts are recorded as status 0 (``timed out``), as GitHub
        shows a delivery it could not complete.
        """
        if self._webhook is None:
            raise RuntimeError("call set_webhook(url, secret) first")
        url, secret = self._webhook
        body = json.dumps(payload).encode()
        guid = guid or str(uuid.uuid4())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/fake",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": guid,
            "X-GitHub-Hook-ID": "1",
            "X-GitHub-Hook-Installation-Target-ID": str(self.app_id or 1),
            "X-GitHub-Hook-Installation-Target-Type": "integration",
            "X-Hub-Signature-256": webhook_signature(secret, body),
            "X-Hub-Signature": "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest(),
        }
        if self._session is None:
            self._session = aiohttp.ClientSession()
        started = time.monotonic()
        text = ""
        try:
            async with self._session.post(
                url, data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=10)
            ) as resp:
                status = resp.status
                text = await resp.text()
        except (aiohttp.ClientError, TimeoutError):
            status = 0
        action = payload.get("action") if isinstance(payload.get("action"), str) else None
        self.add_delivery(
            guid,
            event,
            action,
            status,
            payload=dict(payload),
            redelivery=redelivery,
            duration=round(time.monotonic() - started, 3),
        )
        self._deliveries[-1].request_headers = headers
        self._deliveries[-1].response_body = text
        return status

    def _sorted_deliveries(self) -> list[Delivery]:
        return sorted(self._deliveries, key=lambda d: (d.delivered_at, d.id), reverse=True)

    def _list_deliveries(self, ctx: Ctx) -> Resp:
        per_page = min(max(self._int(ctx.query, "per_page", 30), 1), 100)
        items = self._sorted_deliveries()
        if ctx.query.get("status") in ("success", "failure"):
            ok = ctx.query["status"] == "success"
            items = [d for d in items if (d.status == "OK") == ok]
        if ctx.query.get("redelivery") in ("true", "false"):
            want = ctx.query["redelivery"] == "true"
            items = [d for d in items if d.redelivery == want]
        start = 0
        cursor = ctx.query.get("cursor")
        if cursor:
            try:
                start = next(n for n, d in enumerate(items) if f"v1_{d.id}" == cursor)
            except StopIteration as exc:
                raise validation_error("Hook", "cursor", "invalid") from exc
        chunk = items[start : start + per_page]
        headers = {}
        if start + per_page < len(items):
            q = {
                **ctx.query,
                "per_page": str(per_page),
                "cursor": f"v1_{items[start + per_page].id}",
            }
            headers["link"] = f'<{self.url}{ctx.raw_path}?{urlencode(q)}>; rel="next"'
        return Resp(200, [self._delivery_json(d) for d in chunk], headers)

    def _delivery_for(self, did: str) -> Delivery:
        found = next((d for d in self._deliveries if str(d.id) == did), None)
        if found is None:
            raise not_found()
        return found

    def _redeliver(self, ctx: Ctx, did: str) -> Resp:
        d = self._delivery_for(did)
        self.redelivery_requests.append(d.id)
        if self._webhook is not None and d.payload is not None:
            # GitHub answers 202 first and redelivers a moment later, with the same GUID.
            task = asyncio.ensure_future(
                self.send_webhook(d.event, d.payload, guid=d.guid, redelivery=True)
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return Resp(202, {})
