"""What ``/healthz`` says, and which problems make it answer 503.

503 (``status: unhealthy``) for what a restart by the supervisor can fix or must at
least be told about: the journal cannot be written (a full disk: every new delivery
is answered 503 meanwhile, so GitHub shows them failed and App mode redelivers them),
or the dispatcher or a worker is not running.

200 with ``status: degraded`` for GitHub refusing the bot's credentials (401) or
permissions (403): a restart cannot fix those, and a liveness probe that failed on them
would only turn a visible problem into a restart loop. Deliveries that failed this way
stay in the journal and are retried; the first one that succeeds clears the problem.

Deliveries GitHub refused for good (422 and other 4xx but 401/403/404/410) are counted,
and the last one is shown: they are marked done (outcome ``rejected``), since repeating
the same request gets the same answer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class GitHubProblem:
    """One refusal by GitHub, as much as an operator needs to find it in the log."""

    status: int
    message: str
    delivery: str
    at: float


@dataclass
class GitHubHealth:
    """GitHub's refusals seen by the workers since start."""

    auth: GitHubProblem | None = None  # 401/403 until a delivery succeeds again
    last_rejected: GitHubProblem | None = None
    rejected: int = 0
    gone: int = 0
    counts: dict[int, int] = field(default_factory=dict)

    def refused(self, problem: GitHubProblem, *, permanent: bool) -> None:
        self.counts[problem.status] = self.counts.get(problem.status, 0) + 1
        if problem.status in (404, 410):
            self.gone += 1
        elif permanent:
            self.rejected += 1
            self.last_rejected = problem
        else:
            self.auth = problem

    def succeeded(self) -> None:
        self.auth = None


def assess(
    *,
    journal_error: str | None,
    dead_tasks: list[str],
    github: GitHubHealth,
) -> tuple[int, dict[str, Any]]:
    """Pure: the HTTP status and the problem fields of /healthz."""
    problems: list[str] = []
    if journal_error is not None:
        problems.append(f"journal cannot be written: {journal_error}")
    if dead_tasks:
        problems.append("not running: " + ", ".join(dead_tasks))
    body: dict[str, Any] = {
        "github": {
            "auth_problem": asdict(github.auth) if github.auth else None,
            "rejected": github.rejected,
            "last_rejected": asdict(github.last_rejected) if github.last_rejected else None,
            "gone": github.gone,
        },
    }
    if problems:
        return 503, {"status": "unhealthy", "problems": problems, **body}
    if github.auth is not None:
        problem = f"GitHub answered {github.auth.status}: {github.auth.message}"
        return 200, {"status": "degraded", "problems": [problem], **body}
    return 200, {"status": "ok", "problems": [], **body}
