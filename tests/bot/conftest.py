"""Fixtures shared by the bot's tests."""

from tests.bot.fake_line_server import fake_line  # noqa: F401 - re-exported fixture
