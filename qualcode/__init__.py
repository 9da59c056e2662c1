"""qualcode: qualitative coding of Swedish interview notes and survey comments."""

__version__ = "0.1.0"
