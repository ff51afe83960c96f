"""Fixtures of the public-side tests: the API tests' users and tokens."""

from tests.api.conftest import auth, tokens  # noqa: F401  (fixtures shared with the API tests)
