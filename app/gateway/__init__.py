"""The Robinhood gateway: the session (login, challenges, refresh, logout) and the one
worker thread every Robinhood request runs on.

The original Gateway service (login, logout, status, health) becomes
:class:`~app.gateway.service.GatewayService`. Tokens live in the OS keyring
(:mod:`app.gateway.store`); robin-stocks is used for its session, URLs and
payload conventions, never for the calls that print, block on ``input()`` or
hide errors (:mod:`app.gateway.client`).
"""
