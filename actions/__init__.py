"""The action server of Zelfscan Ondernemers (rasa-sdk). Importing the package
registers every action with the SDK and checks the catalogue, the gemeente
configuration and the texts (actions/texts.yml), so a wrong setting stops the start
with a clear message."""
from actions import catalogue as _catalogue_module
from actions import gemeente as _gemeente_module
from actions import texts as _texts_module

_catalogue_module.catalogue()
_gemeente_module.gemeente()
_texts_module.load()

from actions import conversation, handoff_form, outcome_action, scan_form  # noqa: E402,F401
