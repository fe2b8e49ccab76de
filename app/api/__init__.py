"""The original services' HTTP API, served inside the running app on the loopback.

Scripts, dashboards and the ``sherwood`` command line reach a running
Sherwood through it. It is off by default (``API_ENABLED=true`` or ``--api``),
listens on 127.0.0.1 only, runs on the app's own asyncio loop (aiohttp) and
reaches the services through the same public methods as the window: every
order goes through execution (risk, compliance, journal), never straight to
the broker. Every request needs the bearer token kept in the data folder.
"""
