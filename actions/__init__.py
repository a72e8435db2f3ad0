"""The action server of Zelfscan Ondernemers (rasa-sdk). Importing the package
registers every action with the SDK."""
from actions import conversation, outcome_action, scan_form  # noqa: F401
