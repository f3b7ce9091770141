"""Use cases of contacts: create or resolve by identity, update, search; attribute definitions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontdesk.contacts import repository
from frontdesk.contacts.models import Contact, CustomAttributeDefinition
from frontdesk.contacts.rules import (
    AttributeSpec,
    InvalidAttribute,
    check_attributes,
    normalize_identity,
)
from frontdesk.contacts.schemas import (
    AttributeDefinitionCreate,
    AttributeDefinitionOut,
    ContactCreate,
    ContactOut,
    ContactSummary,
    ContactUpdate,
    IdentityOut,
)
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import Conflict, NotFound, Problem, Unprocessable
from frontdesk.core.pagination import Page, decode_cursor, encode_cursor
from frontdesk.core.principal import Principal


def _identities(
    email: str | None, phone: str | None, identities: Iterable[Any]
) -> list[tuple[str, str]]:
    pairs = [(i.kind.value, normalize_identity(i.kind.value, i.value)) for i in identities]
    if email:
        pairs.append(("email", normalize_identity("email", email)))
    if phone:
        pairs.append(("phone", normalize_identity("phone", phone)))
    return list(dict.fromkeys(pairs))


def attribute_specs(
    session: Session, *, workspace_id: int, applies_to: str
) -> dict[str, AttributeSpec]:
    return {
        d.key: AttributeSpec(key=d.key, value_type=d.value_type, options=tuple(d.options))
        for d in repository.attribute_definitions(
            session, workspace_id=workspace_id, applies_to=applies_to
        )
    }


def checked_attributes(
    session: Session, *, workspace_id: int, applies_to: str, values: dict[str, Any]
) -> dict[str, Any]:
    if not values:
        return {}
    try:
        return check_attributes(
            values, attribute_specs(session, workspace_id=workspace_id, applies_to=applies_to)
        )
    except InvalidAttribute as exc:
        raise Unprocessable(str(exc)) from exc


def _outs(session: Session, contacts: list[Contact]) -> list[ContactOut]:
    """Contacts with their identities, in one query for the identities of all of them."""
    identities = repository.identities_of(session, contact_ids=[c.id for c in contacts])
    return [
        ContactOut(
            id=c.id,
            name=c.name,
            email=c.email,
            phone=c.phone,
            identities=[IdentityOut(kind=i.kind, value=i.value) for i in identities[c.id]],
            tags=list(c.tags),
            notes=c.notes,
            custom_attributes=dict(c.custom_attributes),
            created_at=c.created_at,
            updated_at=c.updated_at,
        )
        for c in contacts
    ]


def _out(session: Session, contact: Contact) -> ContactOut:
    return _outs(session, [contact])[0]


def _check_identities_free(
    session: Session, *, workspace_id: int, contact_id: int | None, pairs: list[tuple[str, str]]
) -> None:
    for kind, value in pairs:
        owner = repository.identity_owner(
            session, workspace_id=workspace_id, kind=kind, value=value
        )
        if owner is not None and owner != contact_id:
            raise Conflict(f"{kind} {value} already belongs to contact {owner}", contact_id=owner)


def create_contact(
    uow: UnitOfWork, *, workspace_id: int, data: ContactCreate, actor_user_id: int | None = None
) -> ContactOut:
    pairs = _identities(data.email, data.phone, data.identities)
    _check_identities_free(uow.session, workspace_id=workspace_id, contact_id=None, pairs=pairs)
    attributes = checked_attributes(
        uow.session, workspace_id=workspace_id, applies_to="contact", values=data.custom_attributes
    )
    contact = Contact(
        workspace_id=workspace_id,
        name=data.name,
        email=data.email.lower() if data.email else None,
        phone=normalize_identity("phone", data.phone) if data.phone else None,
        tags=sorted(set(data.tags)),
        notes=data.notes,
        custom_attributes=attributes,
        created_at=uow.now(),
        updated_at=uow.now(),
    )
    repository.insert(uow.session, contact)
    repository.replace_identities(
        uow.session,
        workspace_id=workspace_id,
        contact_id=contact.id,
        identities=pairs,
        now=uow.now(),
    )
    uow.session.flush()
    out = _out(uow.session, contact)
    uow.record(
        "contact.created",
        workspace_id=workspace_id,
        data=out.model_dump(mode="json"),
        actor_user_id=actor_user_id,
    )
    return out


def resolve_contact(uow: UnitOfWork, *, workspace_id: int, data: ContactCreate) -> int:
    """The contact these identities belong to, created when nobody has them yet."""
    pairs = _identities(data.email, data.phone, data.identities)
    found = repository.find_by_identities(uow.session, workspace_id=workspace_id, identities=pairs)
    if found is not None:
        return found
    return create_contact(uow, workspace_id=workspace_id, data=data).id


def update_contact(
    uow: UnitOfWork, *, principal: Principal, contact_id: int, data: ContactUpdate
) -> ContactOut:
    contact = require_contact(
        uow.session, workspace_id=principal.workspace_id, contact_id=contact_id
    )
    changes = data.model_dump(exclude_unset=True)
    if "custom_attributes" in changes:
        merged = dict(contact.custom_attributes)
        merged.update(
            checked_attributes(
                uow.session,
                workspace_id=principal.workspace_id,
                applies_to="contact",
                values=data.custom_attributes or {},
            )
        )
        contact.custom_attributes = {k: v for k, v in merged.items() if v is not None}
    for key in ("name", "notes"):
        if changes.get(key) is not None:
            setattr(contact, key, changes[key])
    if "tags" in changes:
        contact.tags = sorted(set(data.tags or []))
    if "email" in changes:
        contact.email = data.email.lower() if data.email else None
    if "phone" in changes:
        contact.phone = normalize_identity("phone", data.phone) if data.phone else None
    if {"email", "phone", "identities"} & changes.keys():
        current = repository.identities_of(uow.session, contact_ids=[contact.id])[contact.id]
        others = [(i.kind, i.value) for i in current if i.kind not in ("email", "phone")]
        if data.identities is not None:
            others = _identities(None, None, data.identities)
        pairs = list(dict.fromkeys(others + _identities(contact.email, contact.phone, [])))
        _check_identities_free(
            uow.session, workspace_id=principal.workspace_id, contact_id=contact.id, pairs=pairs
        )
        repository.replace_identities(
            uow.session,
            workspace_id=principal.workspace_id,
            contact_id=contact.id,
            identities=pairs,
            now=uow.now(),
        )
    contact.updated_at = uow.now()
    uow.session.flush()
    out = _out(uow.session, contact)
    uow.record(
        "contact.updated",
        workspace_id=principal.workspace_id,
        data=out.model_dump(mode="json"),
        actor_user_id=principal.user_id,
    )
    return out


def require_contact(session: Session, *, workspace_id: int, contact_id: int) -> Contact:
    contact = repository.get(session, workspace_id=workspace_id, contact_id=contact_id)
    if contact is None:
        raise NotFound(f"no contact {contact_id} in this workspace")
    return contact


def get_contact(session: Session, *, principal: Principal, contact_id: int) -> ContactOut:
    return _out(
        session,
        require_contact(session, workspace_id=principal.workspace_id, contact_id=contact_id),
    )


def summaries(
    session: Session, *, workspace_id: int, contact_ids: Iterable[int]
) -> dict[int, ContactSummary]:
    return {
        c.id: ContactSummary.model_validate(c)
        for c in repository.by_ids(session, workspace_id=workspace_id, contact_ids=contact_ids)
    }


def list_contacts(
    session: Session, *, principal: Principal, q: str | None, cursor: str | None, limit: int
) -> Page[ContactOut]:
    after_id = None
    if cursor:
        try:
            after_id = int(decode_cursor(cursor, arity=1)[0])
        except (TypeError, ValueError) as exc:
            raise Problem("the cursor is not one this API returned", title="Bad cursor") from exc
    rows = repository.search(
        session, workspace_id=principal.workspace_id, q=q, after_id=after_id, limit=limit + 1
    )
    items = _outs(session, rows[:limit])
    next_cursor = encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None
    return Page(items=items, next_cursor=next_cursor)


def define_attribute(
    uow: UnitOfWork, *, principal: Principal, data: AttributeDefinitionCreate
) -> AttributeDefinitionOut:
    if data.value_type.value == "list" and not data.options:
        raise Unprocessable("a list attribute needs its options")
    definition = CustomAttributeDefinition(
        workspace_id=principal.workspace_id,
        applies_to=data.applies_to,
        key=data.key,
        label=data.label,
        value_type=data.value_type.value,
        options=data.options,
        created_at=uow.now(),
    )
    try:
        repository.insert(uow.session, definition)
    except IntegrityError as exc:
        raise Conflict(f"attribute '{data.key}' of {data.applies_to}s already exists") from exc
    return AttributeDefinitionOut.model_validate(definition)


def list_attribute_definitions(
    session: Session, *, principal: Principal
) -> list[AttributeDefinitionOut]:
    return [
        AttributeDefinitionOut.model_validate(d)
        for d in repository.attribute_definitions(session, workspace_id=principal.workspace_id)
    ]
