"""Change requests: CHG tickets with a `change` mapping (reason, risk, plans, window,
approvals) whose every step is a ticket history event (`tickets.operations.change_ticket`)."""
