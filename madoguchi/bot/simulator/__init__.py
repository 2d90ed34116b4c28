"""The LINE simulator (simulator mode): a chat page and the webhook events it sends (see README.md)."""

from madoguchi.bot.simulator.routes import mount_simulator

__all__ = ["mount_simulator"]
