"""Custom Rasa NLU components of Zelfscan Ondernemers."""
