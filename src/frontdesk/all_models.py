"""Imports every model so that the metadata (and Alembic) sees all tables."""

from frontdesk.auth import models as auth_models
from frontdesk.contacts import models as contacts_models
from frontdesk.conversations import models as conversations_models
from frontdesk.core import events
from frontdesk.core.models import Base
from frontdesk.inboxes import models as inboxes_models
from frontdesk.outbox import models as outbox_models
from frontdesk.team import models as team_models

metadata = Base.metadata
__all__ = [
    "auth_models",
    "contacts_models",
    "conversations_models",
    "events",
    "inboxes_models",
    "metadata",
    "outbox_models",
    "team_models",
]
