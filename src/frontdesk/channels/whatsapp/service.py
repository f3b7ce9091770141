"""Use cases of the WhatsApp channel that agents drive: the reply window of a conversation and
sending a template when it is closed. (Inbound messages and statuses go straight to the
channel core: channels.service.)"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from frontdesk.channels.whatsapp import rules
from frontdesk.channels.whatsapp.schemas import ReplyWindowOut, TemplateOut, TemplateSend
from frontdesk.conversations import service as conversations
from frontdesk.conversations.schemas import ConversationOut, MessageCreate, PostedMessage
from frontdesk.conversations.service import Limits
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import Unprocessable
from frontdesk.core.principal import Principal
from frontdesk.inboxes import service as inboxes
from frontdesk.inboxes.service import ChannelInbox


def _whatsapp_conversation(
    session: Session, principal: Principal, conversation_id: int
) -> tuple[ConversationOut, ChannelInbox]:
    conversation = conversations.get_conversation(
        session, principal=principal, conversation_id=conversation_id
    )
    inbox = inboxes.channel_inbox_by_id(
        session, workspace_id=principal.workspace_id, inbox_id=conversation.inbox_id
    )
    if inbox.channel_type != "whatsapp":
        raise Unprocessable(
            f"conversation {conversation_id} is in a {inbox.channel_type} inbox, not WhatsApp"
        )
    return conversation, inbox


def reply_window(
    session: Session, *, principal: Principal, conversation_id: int, now: datetime
) -> ReplyWindowOut:
    conversation, inbox = _whatsapp_conversation(session, principal, conversation_id)
    last = conversation.last_incoming_at
    return ReplyWindowOut(
        open=rules.window_open(last, now),
        last_customer_message_at=last,
        closes_at=rules.window_closes_at(last),
        templates=[
            TemplateOut(name=t.name, language=t.language, parameters=t.parameters)
            for t in rules.templates_of(inbox.settings)
        ],
    )


def send_template(
    uow: UnitOfWork,
    *,
    principal: Principal,
    conversation_id: int,
    data: TemplateSend,
    limits: Limits,
) -> PostedMessage:
    """An agent's template message: stored like any reply (pending, then sent by the
    channel.deliver job as a WhatsApp template), allowed outside the 24-hour window."""
    _, inbox = _whatsapp_conversation(uow.session, principal, conversation_id)
    template = rules.find_template(inbox.settings, data.name, data.language)
    problem = rules.template_problem(template, data.name, data.parameters)
    if problem is not None:
        raise Unprocessable(problem)
    return conversations.post_message(
        uow,
        principal=principal,
        conversation_id=conversation_id,
        data=MessageCreate(
            content=rules.template_content(data.name, data.parameters),
            content_attributes={
                "whatsapp": {
                    "template": {
                        "name": data.name,
                        "language": data.language,
                        "parameters": list(data.parameters),
                    }
                }
            },
        ),
        files=[],
        limits=limits,
    )
