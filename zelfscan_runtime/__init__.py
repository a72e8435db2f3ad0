"""How the services start: secrets, addresses and production mode, in one place.

``python -m zelfscan_runtime <service>`` starts the Rasa server, the action server or the
handoff service the way ``make run`` does. No Rasa import at module level.
"""
