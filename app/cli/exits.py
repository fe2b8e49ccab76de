"""Exit codes shared by every ``sherwood`` command, so scripts can tell outcomes apart."""

from __future__ import annotations

OK = 0  # done: accepted, filled, stored
USAGE = 2  # bad usage, or refused to start (bad settings, data folder in use, no display)
REFUSED = 3  # refused: wrong credentials, challenge failed, order denied or rejected
NOT_LOGGED_IN = 4  # live mode needs a Robinhood session and there is none
STORAGE = 5  # a run that had to pause trading because the disk was full
