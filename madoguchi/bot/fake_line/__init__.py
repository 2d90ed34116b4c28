"""A fake LINE Messaging API for the simulator and the tests (see README.md in this folder)."""

from madoguchi.bot.fake_line.app import ConnectionDropped, create_fake_line_app
from madoguchi.bot.fake_line.state import FakeLineState, Fault, InvalidRequestsError, new_user_id
from madoguchi.bot.fake_line.validation import validate_messages

__all__ = [
    "ConnectionDropped",
    "FakeLineState",
    "Fault",
    "InvalidRequestsError",
    "create_fake_line_app",
    "new_user_id",
    "validate_messages",
]
