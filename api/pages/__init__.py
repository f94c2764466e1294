"""Server-rendered pages for agents, employers and supervisors (Jinja2, Système de Design de l'État, htmx).

``api.pages.montage.monter(app)`` adds them to the application."""
