"""A fake Robinhood for tests: a real HTTP server on 127.0.0.1 with Robinhood-shaped JSON
(prices as strings, UTC ISO times, paginated ``next``/``results``) and scripted faults.

Importable as ``fake_robinhood`` (tests/support is on pytest's path); run it
from a shell with ``python -m fake_robinhood`` (see ``__main__``).
"""

from fake_robinhood.fake import FakeRobinhood
from fake_robinhood.server import Fault, Request
from fake_robinhood.state import User

__all__ = ["FakeRobinhood", "Fault", "Request", "User"]
