"""The scan outcome: risk score, Bbz/IOAZ indications, referrals and the texts about them.

Pure functions over the answers and the gemeente configuration; the action in
``actions/outcome_action.py`` is the only part that talks to Rasa.
"""
