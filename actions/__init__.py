"""Custom actions (rasa_sdk) and the mock account backend they call."""
