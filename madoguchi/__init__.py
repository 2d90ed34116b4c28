"""madoguchi (窓口): a LINE consultation front door for community welfare."""

__version__ = "0.1.0"
