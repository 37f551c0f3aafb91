"""Tickets: the model, classification rules, the lifecycle, queues and the public API."""
