"""Fixtures shared by the unit tests."""

import matplotlib

matplotlib.use("Agg")  # headless: the plot tests draw without a display

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def ax():
    """A fresh matplotlib Axes, its figure closed after the test."""
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)
