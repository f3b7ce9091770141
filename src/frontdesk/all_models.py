"""Imports every model so that the metadata (and Alembic) sees all tables."""

from frontdesk.auth import models as auth_models
from frontdesk.channels.email import models as email_models
from frontdesk.channels.webchat import models as webchat_models
from frontdesk.contacts import models as contacts_models
from frontdesk.conversations import models as conversations_models
from frontdesk.core import events
from frontdesk.core.models import Base
from frontdesk.inboxes import models as inboxes_models
from frontdesk.outbox import models as outbox_models
from frontdesk.portal import models as portal_models
from frontdesk.team import models as team_models
from frontdesk.views import models as views_models
from frontdesk.webhooks import models as webhooks_models

metadata = Base.metadata
__all__ = [
    "auth_models",
    "contacts_models",
    "conversations_models",
    "email_models",
    "events",
    "inboxes_models",
    "metadata",
    "outbox_models",
    "portal_models",
    "team_models",
    "views_models",
    "webchat_models",
    "webhooks_models",
]
