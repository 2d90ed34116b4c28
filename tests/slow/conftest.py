"""The slow tests use the bot's fixtures too."""

from tests.bot.bot_server import bot  # noqa: F401 - re-exported fixture
from tests.bot.fake_line_server import fake_line  # noqa: F401 - re-exported fixture
