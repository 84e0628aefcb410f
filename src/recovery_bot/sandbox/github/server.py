"""The HTTP server: :class:`FakeGitHub` composes the sections (REST, GraphQL, App, faults)
into one aiohttp application and handles each request the way GitHub's front end does.

Per request: delays and faults first, then authentication (App JWT vs installation or
personal token), routing on the raw path (so ``%2F`` in a label name survives), the
handler, rate-limit headers and charging, a weak ``ETag`` with free 304s, and one
:class:`~recovery_bot.sandbox.github.model.Call` in the call log.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

import jwt as pyjwt
from aiohttp import web

from recovery_bot.sandbox.github.faults import Faults
from recovery_bot.sandbox.github.graphql import GraphQLRoutes
from recovery_bot.sandbox.github.model import (
    DOCS,
    Call,
    Ctx,
    HTTPError,
    Resp,
    not_found,
    reason_phrase,
)
from recovery_bot.sandbox.github.rest_apps import AppRoutes
from recovery_bot.sandbox.github.rest_comments import CommentRoutes
from recovery_bot.sandbox.github.rest_issues import IssueRoutes
from recovery_bot.sandbox.github.rest_repos import RepoRoutes

Handler = Callable[..., Any]


class FakeGitHub(IssueRoutes, CommentRoutes, RepoRoutes, AppRoutes, GraphQLRoutes, Faults):
    """In-memory GitHub behind a real HTTP server (semantics: :mod:`recovery_bot.sandbox.github`).

    Build state with the helpers (:meth:`add_repo`, :meth:`add_issue`, ...), start the
    server, point the client at :attr:`url`, then assert on state (:meth:`issue`,
    :meth:`labels`, :meth:`comments`) and on traffic (:attr:`calls`, :meth:`writes`).
    Fault injection (:meth:`fail`, :meth:`delay`, :meth:`fail_secondary_rate_limit`,
    :meth:`fail_primary_rate_limit`) applies to requests in arrival order.
    """

    def __init__(
        self,
        *,
        tokens: Mapping[str, str] | None = None,
        app_id: str | None = None,
        app_public_key: str | bytes | None = None,
        bot_login: str = "recovery-bot[bot]",
        now: Callable[[], datetime] | None = None,
        app_slug: str = "recovery-bot",
        installation_id: int = 1,
        rate_limits: Mapping[str, int] | None = None,
        enforce_rate_limits: bool = False,
    ) -> None:
        """``tokens`` maps accepted personal tokens to logins (``None``: any token is the
        bot); ``app_public_key`` makes App JWTs verified; ``now`` is the clock of every
        timestamp; ``rate_limits`` overrides bucket sizes, enforced only when asked."""
        super().__init__(
            tokens=tokens,
            app_id=app_id,
            app_public_key=app_public_key,
            bot_login=bot_login,
            now=now,
            app_slug=app_slug,
            installation_id=installation_id,
            rate_limits=rate_limits,
            enforce_rate_limits=enforce_rate_limits,
        )
        self._runner: web.AppRunner | None = None
        self._routes = self._build_routes()
        self.app = self.build_app()

    # -- lifecycle -----------------------------------------------------------

    def build_app(self) -> web.Application:
        """One catch-all route: routing happens on the raw path so ``%2F`` survives."""
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        addr = self._runner.addresses[0]
        self.url = f"http://{host}:{addr[1]}"
        return self.url

    async def close(self) -> None:
        await self.wait_idle()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeGitHub:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def wait_idle(self) -> None:
        """Wait for background work the fake started itself (redeliveries)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- call log ------------------------------------------------------------

    def writes(self) -> list[Call]:
        """State-changing calls (all outcomes), without token minting and GraphQL queries."""
        return [c for c in self.calls if c.is_write]

    def reset_calls(self) -> None:
        self.calls.clear()

    # -- rate limits ---------------------------------------------------------

    def set_rate_limit(
        self, resource: str = "core", *, remaining: int, reset_in: int = 3600
    ) -> None:
        """Make a bucket show ``remaining`` (e.g. to test a client that slows down)."""
        bucket = self._buckets[resource]
        bucket.used = max(bucket.limit - remaining, 0)
        bucket.reset = int(self._now().timestamp()) + reset_in

    def _rate_headers(self, resource: str, charge: bool, points: int = 1) -> dict[str, str]:
        bucket = self._bucket(resource)
        if charge:
            if bucket.used >= bucket.limit and not self.enforce_rate_limits:
                bucket.used, bucket.reset = 0, int(self._now().timestamp()) + bucket.window
            bucket.used += points
        return {
            "x-ratelimit-limit": str(bucket.limit),
            "x-ratelimit-remaining": str(max(bucket.limit - bucket.used, 0)),
            "x-ratelimit-reset": str(bucket.reset),
            "x-ratelimit-used": str(bucket.used),
            "x-ratelimit-resource": resource,
        }

    # -- request handling ----------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._process(request)
        finally:
            self.in_flight -= 1

    async def _process(self, request: web.Request) -> web.StreamResponse:
        arrived = time.monotonic()
        method = request.method.upper()
        raw_path, _, qs = request.raw_path.partition("?")
        query = dict(parse_qsl(qs, keep_blank_values=True))
        decoded = unquote(raw_path)
        raw_body = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        resource = (
            "search"
            if raw_path.startswith("/search/")
            else ("graphql" if raw_path == "/graphql" else "core")
        )
        login: str | None = None
        body_json: Any = None
        parse_error = False
        if raw_body:
            try:
                body_json = json.loads(raw_body)
            except ValueError:
                parse_error = True
                body_json = raw_body.decode("utf-8", "replace")

        delay_after = 0.0
        for d in self._delays:
            if d.matches(method, raw_path, decoded):
                d.consume()
                if d.after:
                    delay_after += d.seconds
                else:
                    await asyncio.sleep(d.seconds)
                break

        resp: Resp
        charge = True
        fault = next((f for f in self._faults if f.matches(method, raw_path, decoded)), None)
        if fault is not None:
            fault.consume()
            body = fault.body
            if body is None:
                body = {"message": reason_phrase(fault.status), "documentation_url": DOCS}
            hdrs = self._rate_headers(resource, charge=False)
            hdrs.update(fault.headers)
            resp = Resp(fault.status, body, hdrs)
        else:
            try:
                if parse_error:
                    raise HTTPError(400, "Problems parsing JSON")
                login, kind = self._authenticate(headers.get("authorization"), method, raw_path)
                route = self._route(method, raw_path)
                if route is None:
                    raise not_found()
                handler, params = route
                if raw_path == "/rate_limit":
                    charge = False
                bucket = self._bucket(resource)
                if self.enforce_rate_limits and bucket.used >= bucket.limit:
                    raise HTTPError(
                        403,
                        f"API rate limit exceeded for installation ID {self.installation_id}.",
                    )
                ctx = Ctx(method, raw_path, query, body_json, login, kind, headers)
                result = handler(ctx, **params)
                if asyncio.iscoroutine(result):
                    result = await result
                resp = result
            except HTTPError as exc:
                resp = Resp(exc.status, exc.body, exc.headers)
            except KeyError:
                resp = Resp(404, {"message": "Not Found", "documentation_url": DOCS})
            resp.headers = {**self._rate_headers(resource, charge=False), **resp.headers}

        payload = b""
        content_type = "application/json; charset=utf-8"
        if resp.body is not None and resp.status not in (204, 304):
            if isinstance(resp.body, (bytes, str)):
                payload = resp.body.encode() if isinstance(resp.body, str) else resp.body
                content_type = "text/html; charset=utf-8"
            else:
                payload = json.dumps(resp.body).encode()
        status = resp.status
        if method == "GET" and status == 200 and fault is None:
            etag = 'W/"' + hashlib.sha256(payload).hexdigest()[:40] + '"'
            resp.headers["etag"] = etag
            wanted = {t.strip() for t in headers.get("if-none-match", "").split(",")}
            if etag in wanted or etag.removeprefix("W/") in wanted:
                status, payload, charge = 304, b"", False
        if fault is None:
            # Charge after the fact: a 304 is free, as on GitHub.
            resp.headers.update(self._rate_headers(resource, charge=charge, points=resp.points))
        out_headers = {
            "x-github-request-id": f"FAKE:{self._next('request'):08X}",
            "x-github-media-type": "github.v3; format=json",
            "x-github-api-version-selected": "2022-11-28",
            **resp.headers,
        }
        if payload or status not in (204, 304):
            out_headers.setdefault("content-type", content_type)
        self.calls.append(
            Call(
                method=method,
                path=raw_path,
                query=query,
                json=body_json,
                status=status,
                headers=headers,
                login=login,
                response=resp.body if status not in (204, 304) else None,
                at=arrived,
            )
        )
        if delay_after:
            await asyncio.sleep(delay_after)
        response = web.Response(status=status, body=payload or None)
        for key, value in out_headers.items():
            if key == "content-type":
                response.headers["Content-Type"] = value
            else:
                response.headers[key] = value
        return response

    def _authenticate(self, header: str | None, method: str, path: str) -> tuple[str | None, str]:
        app_route = (
            path == "/app"
            or path.startswith("/app/")
            or (
                method == "GET"
                and re.fullmatch(r"/repos/[^/]+/[^/]+/installation", path) is not None
            )
        )
        if not header:
            raise HTTPError(401, "Requires authentication")
        scheme, _, cred = header.strip().partition(" ")
        cred = cred.strip()
        if scheme.lower() not in ("token", "bearer") or not cred:
            raise HTTPError(401, "Bad credentials")
        is_jwt = False
        if cred.count(".") == 2:
            try:
                pyjwt.get_unverified_header(cred)
                is_jwt = True
            except pyjwt.PyJWTError:
                is_jwt = False
        if app_route:
            if not is_jwt:
                raise HTTPError(401, "A JSON web token could not be decoded")
            self._verify_jwt(cred)
            return self.app_slug, "app"
        if is_jwt:
            raise HTTPError(403, "Resource not accessible by integration")
        expiry = self._minted.get(cred)
        if expiry is not None:
            if self._now() >= expiry:
                raise HTTPError(401, "Bad credentials")
            return self.bot_login, "installation"
        if self.tokens is None:
            return self.bot_login, "token"
        login = self.tokens.get(cred)
        if login is None:
            raise HTTPError(401, "Bad credentials")
        return login, "token"

    def _verify_jwt(self, token: str) -> None:
        if self.app_public_key is None:
            return
        try:
            claims = pyjwt.decode(
                token,
                self.app_public_key,
                algorithms=["RS256"],
                options={"require": ["exp", "iat", "iss"]},
                leeway=30,
            )
        except pyjwt.ExpiredSignatureError as exc:
            raise HTTPError(
                401,
                "'Expiration time' claim ('exp') must be a numeric value representing the "
                "future time at which the assertion expires",
            ) from exc
        except pyjwt.PyJWTError as exc:
            raise HTTPError(401, "A JSON web token could not be decoded") from exc
        if claims["exp"] - time.time() > 600 + 30:
            raise HTTPError(401, "'Expiration time' claim ('exp') is too far in the future")
        if self.app_id is not None and str(claims["iss"]) != str(self.app_id):
            raise HTTPError(401, "A JSON web token could not be decoded")

    # -- routing -------------------------------------------------------------

    def _build_routes(self) -> list[tuple[str, re.Pattern[str], Handler]]:
        R = "/repos/{owner}/{name}"
        table: list[tuple[str, str, Handler]] = [
            ("GET", "/app", self._get_app),
            ("POST", "/app/installations/{iid}/access_tokens", self._mint),
            ("GET", "/app/hook/deliveries", self._list_deliveries),
            ("POST", "/app/hook/deliveries/{did}/attempts", self._redeliver),
            ("GET", R + "/installation", self._repo_installation),
            ("GET", "/user", self._get_user),
            ("GET", "/rate_limit", self._get_rate_limit),
            ("GET", "/search/issues", self._search_issues),
            ("POST", "/graphql", self._graphql),
            ("GET", "/orgs/{org}/teams/{team}/memberships/{login}", self._team_membership),
            ("GET", R, self._get_repo),
            ("GET", R + "/collaborators/{login}/permission", self._permission),
            ("GET", R + "/labels", self._list_repo_labels),
            ("GET", R + "/issues", self._list_issues),
            ("POST", R + "/issues", self._create_issue),
            ("PATCH", R + "/issues/comments/{cid}", self._edit_comment),
            ("DELETE", R + "/issues/comments/{cid}", self._delete_comment),
            ("POST", R + "/issues/comments/{cid}/reactions", self._react_comment),
            ("GET", R + "/issues/{number}", self._get_issue),
            ("PATCH", R + "/issues/{number}", self._patch_issue),
            ("GET", R + "/issues/{number}/comments", self._list_comments),
            ("POST", R + "/issues/{number}/comments", self._create_comment),
            ("POST", R + "/issues/{number}/labels", self._add_issue_labels),
            ("DELETE", R + "/issues/{number}/labels/{label}", self._remove_issue_label),
            ("GET", R + "/issues/{number}/events", self._list_events),
            ("GET", R + "/issues/{number}/timeline", self._list_timeline),
            ("POST", R + "/issues/{number}/reactions", self._react_issue),
            ("POST", R + "/issues/{number}/assignees", self._add_assignees),
            ("DELETE", R + "/issues/{number}/assignees", self._remove_assignees),
        ]
        routes = []
        for method, template, handler in table:
            pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
            routes.append((method, re.compile(pattern + "/?"), handler))
        return routes

    def _route(self, method: str, raw_path: str) -> tuple[Handler, dict[str, str]] | None:
        for m, pattern, handler in self._routes:
            if m != method:
                continue
            match = pattern.fullmatch(raw_path)
            if match:
                return handler, {k: unquote(v) for k, v in match.groupdict().items()}
        return None
