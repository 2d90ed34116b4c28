"""Fixtures shared by the bot's tests (defined in fake_line_server.py and simulator_server.py)."""

from tests.bot.bot_server import bot, classifier  # noqa: F401 - re-exported fixtures
from tests.bot.browser import page  # noqa: F401 - re-exported fixture
from tests.bot.fake_line_server import fake_line  # noqa: F401 - re-exported fixture
from tests.bot.simulator_server import simulator_server  # noqa: F401 - re-exported fixture
