"""What several test modules share: the environment (ports, SMTP box, settings, databases), test data, the
assembled service, clients, external processes and the steps of a process driven through the API. Fixtures stay
in ``conftest.py``; a test module imports helpers from here, never from another test module."""
