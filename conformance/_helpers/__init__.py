"""Helper processes: the peer services a scenario talks to, the stub DNS server, the bench's load
generator. Each runs outside the runtime under test (started by the parent, or by a bench body), as
plain blocking code, and imports nothing of the engine but the data model and the OS seams.
"""
