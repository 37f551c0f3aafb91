"""Small helpers with no service-desk knowledge: clocks and durations, files, locks, caches,
redaction, JSON and mail headers."""
