"""The desk's figures: KPIs (JSON, CSV, text), the self-contained HTML report, surveys."""
