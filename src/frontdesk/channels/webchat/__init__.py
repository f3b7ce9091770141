"""The website chat widget ("webchat" inboxes): its public API under /widget/v1, the visitor
websocket, the script at /widget.js, CSAT surveys, and what agents see of a visitor."""
