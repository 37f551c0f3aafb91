"""SOP runbooks: the YAML format, its validation (`file:line` messages), templating with
shell quoting, the engine that runs steps on many hosts, and the run records it leaves."""
