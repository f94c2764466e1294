"""Use cases called by the JSON routes, the pages and the CLI: checks, writes, starting and updating processes,
and reads of what each account may see. They raise the typed errors of ``domain.erreurs``."""
