"""Pure core throughput: issue bodies parsed and judged per second, on one core.

Runs form parsing, username normalization, reason classification, the decision and the
comment text (everything ``inspect --offline`` does) over a mixed corpus of realistic
bodies: every fixture under fixtures/, plus generated variations. Prints numbers only;
no assertion. Target (issue #2): at least 5,000 bodies/s.

    python bench/bench_core.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path

from recovery_bot.app import parse_config
from recovery_bot.intake.decision import decide, gather_facts

ROOT = Path(__file__).resolve().parents[1]

USERNAMES = [
    "`alice`",
    "alice",
    "'bob'",
    "bob@example.com",
    "https://pypi.org/user/carol/",
    "@dave",
    "`username`",
    "phoenix _labs",
    "alice (I think)",
    "Username: erin",
    "",
    "_No response_",
    "a" * 60,
    "first.last",
    "alice, bob",
]
REASONS = [
    "Lost access to email address",
    "Lost 2FA authentication app or security token",
    "I lost my phone with Google Authenticator and I do not have recovery codes.",
    "My old work email is gone since I left the company; the domain expired.",
    "The TOTP app was on the company phone I returned. I still have my recovery codes.",
    "forgot my password",
    "我无法访问我的邮箱",
    "Hello,\n\n### What happened\n\nMy **university** switched off my address.\n\n"
    "1. tried reset\n2. no mail\n\nThanks, mail me at someone@example.org",
]


def corpus() -> list[str]:
    bodies = [
        p.read_text()
        for p in sorted((ROOT / "fixtures" / "bodies").glob("*.md"))
        if p.name != "README.md"
    ]
    for p in sorted((ROOT / "fixtures" / "deliveries").glob("0*.json")):
        bodies.append(json.loads(p.read_text())["issue"]["body"] or "")
    rng = random.Random(1)
    for _ in range(200):
        box = rng.choice(["[x]", "[X]", "[ ]"])
        bodies.append(
            f"### PyPI Username\n\n{rng.choice(USERNAMES)}\n\n### Reason for request\n\n"
            f"{rng.choice(REASONS)}\n\n### Recovery Codes\n\n- {box} I never generated or "
            "have lost access to the recovery codes for my account\n\n### Code of Conduct\n\n"
            "- [x] I agree to follow the PSF Code of Conduct\n\n### Acknowledgement\n\n- [x] "
            "I understand that it may take a significant amount of time to process my "
            "account recovery request."
        )
    return bodies


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args()
    cfg = parse_config({"repositories": ["pypi/support"]})
    bodies = corpus()
    for b in bodies:  # warm caches (templates, regexes)
        decide(gather_facts(b), cfg)
    rates = []
    total = 0
    end = time.perf_counter() + args.seconds
    while time.perf_counter() < end:
        t0 = time.process_time()
        for b in bodies:
            decide(gather_facts(b, labels=("account-recovery",)), cfg)
        rates.append(len(bodies) / (time.process_time() - t0))
        total += len(bodies)
    print(f"corpus: {len(bodies)} bodies, {total} judged in {args.seconds:.0f} s")
    print(
        f"bodies parsed and judged per CPU second: median {statistics.median(rates):,.0f}, "
        f"min {min(rates):,.0f}, max {max(rates):,.0f}"
    )


if __name__ == "__main__":
    main()
