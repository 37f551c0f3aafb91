"""Mail with requesters: intake, threading, outgoing notices."""
