"""The audit trail: one hash-chained record per mutating command (`trail` collects what a
command did, `chain` seals and verifies records, the store backends keep them)."""
