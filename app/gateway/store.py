"""Where the session is kept: the OS keyring through ``keyring``, else memory for this run.

keyring chooses the backend itself (macOS Keychain, Windows Credential
Locker, Secret Service or KWallet; ``PYTHON_KEYRING_BACKEND`` and keyring's
config file override it). When it has none (``keyring.backends.fail.Keyring``),
or the backend fails, or it is a plaintext file backend, the session lives in
memory for this run only and :attr:`TokenStore.problem` says how to get a
keyring. Nothing is ever written to a file by Sherwood.

Every call may block (a keyring may ask to be unlocked): callers run them off
the GUI thread.
"""

from __future__ import annotations

import logging

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import KeyringError, PasswordDeleteError

from app.gateway.tokens import StoredSession

log = logging.getLogger("sherwood.gateway")

SESSION_KEY = "session"
DEVICE_KEY = "device"

KEYRING_HELP = (
    "No usable system keyring was found, so the Robinhood session is kept in memory and ends "
    "when Sherwood exits. To keep it safely between runs use the system keyring: the macOS "
    "Keychain and the Windows Credential Locker work as they are; on Linux run a Secret "
    "Service (GNOME Keyring, KeePassXC) or KWallet, or choose a backend with "
    "PYTHON_KEYRING_BACKEND."
)


def _is_plaintext(backend: KeyringBackend) -> bool:
    kind = type(backend)
    return "plaintext" in f"{kind.__module__}.{kind.__name__}".lower()


class TokenStore:
    """The session and the device token of one Robinhood API address."""

    def __init__(self, service: str, backend: KeyringBackend | None = None) -> None:
        self.service = service
        self._backend = backend if backend is not None else keyring.get_keyring()
        self._memory: dict[str, str] = {}
        self.problem = ""
        if isinstance(self._backend, fail.Keyring) or _is_plaintext(self._backend):
            self.problem = KEYRING_HELP

    @property
    def persistent(self) -> bool:
        return not self.problem

    @property
    def backend_name(self) -> str:
        kind = type(self._backend)
        return f"{kind.__module__}.{kind.__name__}"

    def _fall_back(self, exc: Exception) -> None:
        log.warning("the keyring failed (%s); the session is kept in memory", type(exc).__name__)
        self.problem = KEYRING_HELP

    def _get(self, key: str) -> str | None:
        if self.persistent:
            try:
                return self._backend.get_password(self.service, key)
            except KeyringError as exc:
                self._fall_back(exc)
        return self._memory.get(key)

    def _set(self, key: str, value: str) -> None:
        if self.persistent:
            try:
                self._backend.set_password(self.service, key, value)
                return
            except KeyringError as exc:
                self._fall_back(exc)
        self._memory[key] = value

    def _delete(self, key: str) -> None:
        self._memory.pop(key, None)
        if self.persistent:
            try:
                self._backend.delete_password(self.service, key)
            except PasswordDeleteError:
                pass  # nothing stored
            except KeyringError as exc:
                self._fall_back(exc)

    def load(self) -> StoredSession | None:
        text = self._get(SESSION_KEY)
        if not text:
            return None
        try:
            return StoredSession.from_json(text)
        except (ValueError, KeyError, TypeError):
            log.warning("the stored Robinhood session is unreadable; it is ignored")
            return None

    def save(self, session: StoredSession) -> None:
        self._set(SESSION_KEY, session.to_json())

    def delete(self) -> None:
        self._delete(SESSION_KEY)

    def device_token(self) -> str | None:
        """The device id Robinhood knows this computer by (kept across logouts)."""
        return self._get(DEVICE_KEY)

    def save_device_token(self, token: str) -> None:
        self._set(DEVICE_KEY, token)
