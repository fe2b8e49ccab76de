"""API test fixtures: the real app (build_app) with the API on a free loopback port.

Requests go through real HTTP (aiohttp's client) to 127.0.0.1 with the token
the server wrote to the data folder, found through ``api.json`` as a client would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from api_harness import API_SETTINGS, TUESDAY_10_NY, Api, read_api_json

from app.composition import build_app
from app.config import Settings
from app.core.clock import SimulatedClock


@pytest.fixture
def api_settings() -> Settings:
    return Settings().replace(**API_SETTINGS)


@pytest.fixture
async def api(tmp_path: Path, api_settings: Settings) -> AsyncIterator[Api]:
    folder = tmp_path / "data"
    ctx = build_app(api_settings, data_dir=folder, clock=SimulatedClock(TUESDAY_10_NY, speed=10))
    await ctx.start()
    url, token = read_api_json(folder)
    async with aiohttp.ClientSession() as http:
        yield Api(ctx, url, token, http)
    await ctx.stop()
