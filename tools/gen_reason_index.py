"""Write src/recovery_bot/intake/reason_index.json: the reason classifier's saved index of
which rules may start at which first characters.

Why a saved file: building the index parses every rule pattern (``re._parser``), which
was an eighth of ``recovery-bot inspect``'s start-up. Run this after changing the rule
table in intake/reason.py; tests/test_reason_dispatch.py fails while the file is stale
(and until then the classifier builds the index itself, so it is never wrong).

    python tools/gen_reason_index.py
"""

from __future__ import annotations

import json

from recovery_bot.intake import reason


def main() -> None:
    text = json.dumps(reason.index_document(), indent=1, sort_keys=True) + "\n"
    reason._INDEX_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {reason._INDEX_FILE} ({len(text):,} bytes)")


if __name__ == "__main__":
    main()
