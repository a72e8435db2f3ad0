"""The action server of Zelfscan Ondernemers (rasa-sdk). Importing the package
registers every action with the SDK and checks the catalogue and the gemeente
configuration, so a wrong setting stops the start with a clear message."""
from actions import address as _address_module
from actions import catalogue as _catalogue_module
from actions import gemeente as _gemeente_module

_catalogue_module.catalogue()
_gemeente_module.gemeente()
_address_module.install(lambda: _gemeente_module.gemeente().address_form)

from actions import conversation, handoff_form, outcome_action, scan_form  # noqa: E402,F401
