"""Service-level agreements: business calendars, per-ticket SLA clocks and the sweep policy."""
