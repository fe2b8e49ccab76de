"""``sherwood login / status / logout`` as real processes against the fake Robinhood, and
the secrets test: no password or token in any file under HOME or the data folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fake_robinhood import FakeRobinhood
from gateway_support import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SUPPORT = ROOT / "tests" / "support"


class Sherwood:
    """Runs ``python -m app`` with HOME, the data folder and the test keyring in tmp."""

    def __init__(self, fake: FakeRobinhood, tmp: Path) -> None:
        self.home = tmp / "home"
        self.data = tmp / "data"
        self.keyring_file = tmp / "keyring" / "entries.json"  # stands in for the OS keyring
        for folder in (self.home, self.data, self.keyring_file.parent):
            folder.mkdir(parents=True)
        self.env = {
            **os.environ, "HOME": str(self.home), "ROBINHOOD_API_URL": fake.url,
            "PYTHONPATH": os.pathsep.join([str(SUPPORT), str(ROOT)]),
            "PYTHON_KEYRING_BACKEND": "memory_keyring.MemoryKeyring",
            "SHERWOOD_TEST_KEYRING": str(self.keyring_file),
        }  # fmt: skip

    def __call__(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", *args, "--data-dir", str(self.data)],
            input=stdin, capture_output=True, text=True, env=self.env, cwd=ROOT, timeout=120,
        )  # fmt: skip


@pytest.fixture
def sherwood(fake: FakeRobinhood, tmp_path: Path) -> Sherwood:
    return Sherwood(fake, tmp_path)


def files_containing(folder: Path, secrets: list[str]) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            found += [f"{path}: {s[:6]}…" for s in secrets if s.encode() in content]
    return found


def test_totp_login_status_refresh_logout(fake: FakeRobinhood, sherwood: Sherwood) -> None:
    fake.add_user("alice", PASSWORD, mfa="totp", code="314159")
    before = sherwood("status", "--mode", "live")
    assert before.returncode == 4 and "not logged in" in before.stderr

    login = sherwood("login", "--username", "alice", "--password-stdin", "--mfa-code", "314159",
                     stdin=PASSWORD + "\n")  # fmt: skip
    assert login.returncode == 0, login.stderr
    assert "Logged in to Robinhood as alice" in login.stdout

    again = sherwood("login", "--username", "alice", "--password-stdin", stdin=PASSWORD + "\n")
    assert again.returncode == 0 and "Already logged in" in again.stdout
    other = sherwood("login", "--username", "bob", "--password-stdin", stdin=PASSWORD + "\n")
    assert other.returncode == 3 and "sherwood logout" in other.stderr

    status = sherwood("status", "--mode", "live")
    assert status.returncode == 0, status.stderr
    assert "logged in as alice" in status.stdout
    assert "Account: ••••0042 (margin)" in status.stdout
    assert "Cash: $1,523.47" in status.stdout and "Equity: $2,031.87" in status.stdout
    assert "TQQQ" in status.stdout and "Day trades (last 5 sessions): Robinhood 0" in status.stdout

    fake.expire_tokens()
    renewed = sherwood("status", "--mode", "live")
    assert renewed.returncode == 0, renewed.stderr
    grants = [r.body["grant_type"] for r in fake.calls("POST", "/oauth2/token/")]
    assert grants == ["password", "refresh_token"]  # renewed, no new login

    logout = sherwood("logout")
    assert logout.returncode == 0 and "Robinhood revoked the session" in logout.stdout
    assert fake.live_tokens() == 0
    after = sherwood("status", "--mode", "live")
    assert after.returncode == 4
    assert sherwood("logout").returncode == 4


def test_device_prompt_login(fake: FakeRobinhood, sherwood: Sherwood) -> None:
    fake.add_user("bob", PASSWORD, verification="prompt", approve_after_polls=1)
    login = sherwood("login", "--username", "bob", "--password-stdin", stdin=PASSWORD + "\n")
    assert login.returncode == 0, login.stderr
    assert "Approve this login in the Robinhood app" in login.stdout
    assert sherwood("status", "--mode", "live").returncode == 0


def test_sms_code_from_the_next_line_and_the_secrets_test(
    fake: FakeRobinhood, sherwood: Sherwood
) -> None:
    fake.add_user("carol", PASSWORD, verification="sms", code="246810")
    login = sherwood("login", "--username", "carol", "--password-stdin",
                     stdin=f"{PASSWORD}\n246810\n")  # fmt: skip
    assert login.returncode == 0, login.stderr
    fake.expire_tokens()
    assert sherwood("status", "--mode", "live").returncode == 0  # renews the token
    assert sherwood("status", "--mode", "live").returncode == 0
    assert sherwood("logout").returncode == 0

    secrets = [PASSWORD, *fake.all_tokens()]
    assert len(secrets) >= 5  # the password, two access and two refresh tokens
    assert files_containing(sherwood.home, secrets) == []
    assert files_containing(sherwood.data, secrets) == []
    assert not (sherwood.home / ".tokens").exists()
    assert (sherwood.data / "logs" / "sherwood.log").read_text().count("session logged in") >= 1


def test_refusals_have_one_line_reasons_and_exit_codes(
    fake: FakeRobinhood, sherwood: Sherwood
) -> None:
    fake.add_user("dave", PASSWORD)
    fake.add_user("carol", PASSWORD, verification="sms")
    wrong = sherwood("login", "--username", "dave", "--password-stdin", stdin="nope\n")
    assert wrong.returncode == 3
    assert wrong.stderr.strip() == ("sherwood login: Unable to log in with provided credentials.")
    no_code = sherwood("login", "--username", "carol", "--password-stdin", stdin=PASSWORD + "\n")
    assert no_code.returncode == 3 and "cancelled" in no_code.stderr
    fake.throttle_next("POST", "/oauth2/token/", seconds=30)
    throttled = sherwood("login", "--username", "dave", "--password-stdin", stdin=PASSWORD + "\n")
    assert throttled.returncode == 3 and "try again in 30 s" in throttled.stderr
    no_user = sherwood("login", "--password-stdin", stdin=PASSWORD + "\n")
    assert no_user.returncode == 2 and "--username" in no_user.stderr
    assert fake.live_tokens() == 0


def test_no_keyring_refuses_to_log_in_and_says_how_to_get_one(
    fake: FakeRobinhood, sherwood: Sherwood
) -> None:
    fake.add_user("dave", PASSWORD)
    sherwood.env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    login = sherwood("login", "--username", "dave", "--password-stdin", stdin=PASSWORD + "\n")
    assert login.returncode == 2
    assert "Secret Service" in login.stderr and "Keychain" in login.stderr
    assert fake.calls("POST", "/oauth2/token/") == []  # the password was never sent


def test_plain_http_to_a_remote_host_is_refused(sherwood: Sherwood) -> None:
    sherwood.env["ROBINHOOD_API_URL"] = "http://example.com"
    status = sherwood("status", "--mode", "live")
    assert status.returncode == 2 and "loopback" in status.stderr


def test_paper_status_reads_the_paper_account_while_the_app_holds_it(
    sherwood: Sherwood,
) -> None:
    from datetime import UTC, datetime

    from app.storage.db import database_path, open_database
    from app.storage.tables import PaperAccountRow, PaperPositionRow

    db = open_database(database_path(sherwood.data, "paper"))  # the running app's lock
    try:
        now = datetime.now(UTC)
        PaperAccountRow.insert(account_type="cash", cash="812.50", starting_cash="1000.00",
                               created_at=now).execute(db)  # fmt: skip
        PaperPositionRow.insert(symbol="TQQQ", quantity="3.5", average_cost="53.5").execute(db)
        status = sherwood("status", "--mode", "paper")
    finally:
        db.close()
    assert status.returncode == 0, status.stderr
    assert "Paper account (cash)" in status.stdout
    assert "Cash: $812.50" in status.stdout
    assert "Equity at cost: $999.75" in status.stdout  # 812.50 + 3.5 x 53.50
    assert "TQQQ" in status.stdout and "3.5 @ $53.50" in status.stdout
