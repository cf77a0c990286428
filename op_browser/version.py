"""The package version, sent as the ``openpanel-sdk-version`` header."""

VERSION = "0.1.0"
