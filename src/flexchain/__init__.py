"""flexchain: the supply chain of brands that sell small-batch, customised products."""

__version__ = "0.1.0"
