"""The customer portal (личный кабинет): customers sign in with a one-time e-mail link, follow
their conversations from every channel, open requests and reply. Pages are rendered by the
server (Jinja2) under /portal/<workspace slug>/."""
