"""A loopback GitHub: a real aiohttp server speaking the REST and GraphQL subset the bot uses.

Why a real server and not a mocked ``GitHubAPI``: the traps that bite GitHub bots live in
the wire format (percent-encoded label names, ``Link`` pagination, ETag/304 caching,
``retry-after`` on secondary limits, 422 bodies, JWT-only endpoints). Only a server that
speaks HTTP lets gidgethub's real code meet them in tests, in benchmarks and in
``recovery-bot demo``.

What it imitates, and the GitHub behaviours worth knowing (each one is real):

* Auth: ``Authorization: token|bearer <t>``. ``/app/...`` endpoints take only an App JWT
  (RS256, verified when ``app_public_key`` is given); other endpoints reject a JWT.
  Installation tokens minted by ``POST /app/installations/{id}/access_tokens`` last one
  hour of the injectable clock and then get 401.
* Every response carries ``x-ratelimit-*`` headers per bucket (``core``, ``search``,
  ``graphql``). Buckets are not enforced unless ``enforce_rate_limits=True``; when not
  enforced a bucket silently starts a new window instead of reaching zero, so a frozen test
  clock never makes a careful client sleep.
* GETs carry a weak ``ETag``; a matching ``If-None-Match`` gets 304 and is not charged.
* Lists paginate with ``per_page`` (default 30, max 100) / ``page`` and a ``Link`` header.
* ``DELETE .../labels/{name}`` 404s when the label is not on the issue; names are
  percent-decoded from the path, so an unencoded ``/`` in a name does not route (as on
  GitHub). :attr:`Call.path` keeps the raw, encoded path so tests can check encoding.
* Bodies over 65,536 characters get 422; label names over 50 characters get 422.
* REST search returns at most 1,000 results; queries over 256 characters get 422.
* GraphQL: ``labels:`` on ``Repository.issues`` matches issues with ANY of the labels
  (unlike REST, where all must match). ``Bot.login`` has no ``[bot]`` suffix
  (``recovery-bot``, ``__typename: Bot``), while REST says ``recovery-bot[bot]``.
  Every connection needs ``first`` or ``last`` in 1..100. Every document is validated
  against GitHub's published schema (``sandbox/schemas``, graphql-core) and refused as
  GitHub refuses it; ``rateLimit.cost`` and the ``graphql`` bucket's charge are the
  query's cost as GitHub documents it (:mod:`recovery_bot.sandbox.graphql_check`).

Deliberately not imitated: write permissions (any authenticated caller may write),
locking, milestones, pull-request specifics beyond the ``pull_request`` key, GraphQL
mutations, and webhooks fired automatically by API writes (use :meth:`send_webhook`).


Layout (one module per section; :class:`FakeGitHub` in ``server`` composes them as mixins
over one store, so each section can be read, and tested, on its own):

* ``model``: limits, time and node-id helpers, the error GitHub answers with, the records;
* ``store``: the in-memory state (repos, issues, comments, events, labels, tokens, rate
  buckets, call log) and the low-level operations on it;
* ``views``: the REST JSON shapes and pagination; ``builders``: the test-facing state API;
* ``rest_issues``, ``rest_comments`` (with reactions), ``rest_repos``, ``rest_apps``
  (App auth, installations, delivery log, webhooks), ``search``: the REST endpoints;
* ``graphql`` (the endpoint, checked by ``graphql_check``), ``graphql_parser``,
  ``graphql_types``, ``graphql_exec``: GraphQL;
* ``faults``: fault injection; ``server``: the aiohttp app, auth, routing, rate limits.
"""

from __future__ import annotations

from recovery_bot.sandbox.github.model import BODY_LIMIT, Call
from recovery_bot.sandbox.github.server import FakeGitHub

__all__ = ["BODY_LIMIT", "Call", "FakeGitHub"]
