// DurableTesting: test support.
