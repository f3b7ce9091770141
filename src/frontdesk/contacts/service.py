"""Use cases of contacts: create or resolve by identity, update, search; attribute definitions."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontdesk.contacts import repository
from frontdesk.contacts.models import Contact, CustomAttributeDefinition
from frontdesk.contacts.rules import (
    EMAIL_KINDS,
    PHONE_KINDS,
    AttributeSpec,
    ContactFields,
    InvalidAttribute,
    MatchKey,
    MergeRefused,
    check_attributes,
    checked_options,
    contact_version,
    lookup_values,
    match_keys,
    matches_version,
    merged_fields,
    normalize_identity,
    shared_keys,
)
from frontdesk.contacts.schemas import (
    AttributeDefinitionCreate,
    AttributeDefinitionOut,
    AttributeDefinitionUpdate,
    ContactCreate,
    ContactDuplicate,
    ContactOut,
    ContactSummary,
    ContactUpdate,
    IdentityOut,
    MatchReason,
)
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import Conflict, Forbidden, NotFound, Problem, Unprocessable
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


def _version(contact: Contact, identities: Iterable[Any]) -> str:
    return contact_version(
        name=contact.name,
        email=contact.email,
        phone=contact.phone,
        tags=contact.tags,
        notes=contact.notes,
        custom_attributes=contact.custom_attributes,
        identities=[(i.kind, i.value) for i in identities],
    )


def _outs(session: Session, contacts: list[Contact]) -> list[ContactOut]:
    """Contacts with their identities, in one query for the identities of all of them."""
    identities = repository.identities_of(session, contact_ids=[c.id for c in contacts])
    return _outs_with(identities, contacts)


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


def contact_id_by_identity(
    session: Session, *, workspace_id: int, kind: str, value: str
) -> int | None:
    """The contact known by this address (e-mail, phone, ...), without creating one."""
    return repository.find_by_identities(
        session, workspace_id=workspace_id, identities=[(kind, normalize_identity(kind, value))]
    )


def lock_contact(session: Session, *, workspace_id: int, contact_id: int) -> None:
    """Hold the contact until the transaction ends (PostgreSQL; SQLite has one writer): two
    first messages of one customer arriving at once then start one conversation, not two."""
    repository.lock_contacts(session, workspace_id=workspace_id, contact_ids=[contact_id])


def channel_address(
    session: Session, *, workspace_id: int, contact_id: int, kind: str
) -> str | None:
    """Where a channel reaches the contact (their Telegram chat, ...): the identity of that
    kind added last, so a reply goes where the customer wrote from most recently."""
    found = [
        i
        for i in repository.identities_of(session, contact_ids=[contact_id])[contact_id]
        if i.kind == kind and i.workspace_id == workspace_id
    ]
    return found[-1].value if found else None


def update_contact(
    uow: UnitOfWork,
    *,
    principal: Principal,
    contact_id: int,
    data: ContactUpdate,
    if_match: str | None = None,
) -> ContactOut:
    """Change the fields given. With a version (the body's or If-Match), only if nobody changed
    the contact since that version: else 409 with the current `version`, nothing written."""
    contact = require_contact(
        uow.session, workspace_id=principal.workspace_id, contact_id=contact_id
    )
    before = _out(uow.session, contact)
    for expected in (data.version, if_match):
        if expected is not None and not matches_version(expected, before.version):
            raise Conflict(
                f"contact {contact_id} was changed by someone else since you loaded it; "
                "load it again and redo your change",
                title="Edit conflict",
                version=before.version,
            )
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
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
    uow.session.flush()
    out = _out(uow.session, contact)
    if out.version == before.version:
        return out  # nothing changed: no event, and updated_at stays
    contact.updated_at = uow.now()
    uow.session.flush()
    out = out.model_copy(update={"updated_at": contact.updated_at})
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


def _invalid(field: str, exc: InvalidAttribute) -> Unprocessable:
    """A refused definition, naming its field so that a form shows it beside it."""
    detail = str(exc)
    return Unprocessable(
        detail, errors=[{"loc": ["body", field], "msg": detail, "type": "value_error"}]
    )


def define_attribute(
    uow: UnitOfWork, *, principal: Principal, data: AttributeDefinitionCreate
) -> AttributeDefinitionOut:
    try:
        options = checked_options(data.value_type.value, data.options)
    except InvalidAttribute as exc:
        raise _invalid("options", exc) from exc
    definition = CustomAttributeDefinition(
        workspace_id=principal.workspace_id,
        applies_to=data.applies_to,
        key=data.key,
        label=data.label,
        value_type=data.value_type.value,
        options=options,
        created_at=uow.now(),
    )
    try:
        repository.insert(uow.session, definition)
    except IntegrityError as exc:
        detail = f"attribute '{data.key}' of {data.applies_to}s already exists"
        raise Conflict(
            detail, errors=[{"loc": ["body", "key"], "msg": detail, "type": "taken"}]
        ) from exc
    return AttributeDefinitionOut.model_validate(definition)


def _definition(
    session: Session, *, principal: Principal, definition_id: int
) -> CustomAttributeDefinition:
    definition = repository.attribute_definition(
        session, workspace_id=principal.workspace_id, definition_id=definition_id
    )
    if definition is None:
        raise NotFound(f"no custom attribute {definition_id} in this workspace")
    return definition


def update_attribute(
    uow: UnitOfWork, *, principal: Principal, definition_id: int, data: AttributeDefinitionUpdate
) -> AttributeDefinitionOut:
    """Relabel an attribute, or change a list's options. Values already stored stay as they
    are (an option taken away stays on the records that have it, until they are edited)."""
    definition = _definition(uow.session, principal=principal, definition_id=definition_id)
    if data.label is not None:
        definition.label = data.label
    if data.options is not None:
        try:
            definition.options = checked_options(definition.value_type, data.options)
        except InvalidAttribute as exc:
            raise _invalid("options", exc) from exc
    uow.session.flush()
    return AttributeDefinitionOut.model_validate(definition)


def delete_attribute(uow: UnitOfWork, *, principal: Principal, definition_id: int) -> None:
    """Delete a definition. The values stored under its key stay on contacts and conversations
    (shown read-only by the agent app; defining the key again brings them back), and a portal
    form that lists the key stops asking for it."""
    definition = _definition(uow.session, principal=principal, definition_id=definition_id)
    repository.delete_attribute_definition(uow.session, definition_id=definition.id)


def list_attribute_definitions(
    session: Session, *, principal: Principal
) -> list[AttributeDefinitionOut]:
    return [
        AttributeDefinitionOut.model_validate(d)
        for d in repository.attribute_definitions(session, workspace_id=principal.workspace_id)
    ]


# ----------------------------------------------------------------------- duplicates and merge
MAX_DUPLICATES = 20
# Other capabilities whose rows point at a contact (a widget visitor, a survey) move them to
# the survivor here, inside the merge's transaction: (uow, workspace_id, from_id, to_id).
MergeHook = Callable[[UnitOfWork, int, int, int], None]
_merge_hooks: list[MergeHook] = []


def on_merge(hook: MergeHook) -> MergeHook:
    """Register a hook run by every merge before the merged contact is deleted."""
    _merge_hooks.append(hook)
    return hook


def _keys(contact: Contact, identities: Iterable[Any]) -> set[MatchKey]:
    return match_keys(
        email=contact.email,
        phone=contact.phone,
        identities=[(i.kind, i.value) for i in identities],
    )


def find_duplicates(
    session: Session, *, principal: Principal, contact_id: int
) -> list[ContactDuplicate]:
    """Contacts of the workspace that share an e-mail or a phone with this one (in their own
    fields or as a channel identity), with what they share and how much a merge would move."""
    # Imported here: conversations' service imports this module.
    from frontdesk.conversations import service as conversations

    contact = require_contact(session, workspace_id=principal.workspace_id, contact_id=contact_id)
    mine = _keys(contact, repository.identities_of(session, contact_ids=[contact.id])[contact.id])
    emails, phones = lookup_values(mine)
    ids = repository.duplicate_candidates(
        session,
        workspace_id=principal.workspace_id,
        contact_id=contact.id,
        emails=emails,
        phones=phones,
        identity_kinds=sorted({*EMAIL_KINDS, *PHONE_KINDS}),
        limit=MAX_DUPLICATES,
    )
    candidates = repository.by_ids(session, workspace_id=principal.workspace_id, contact_ids=ids)
    identities = repository.identities_of(session, contact_ids=[c.id for c in candidates])
    found = []
    for candidate in sorted(candidates, key=lambda c: c.id):
        shared = shared_keys(mine, _keys(candidate, identities[candidate.id]))
        if shared:
            found.append((candidate, shared))
    if not found:
        return []
    counts = conversations.conversation_counts(
        session, workspace_id=principal.workspace_id, contact_ids=[c.id for c, _ in found]
    )
    outs = {o.id: o for o in _outs_with(identities, [c for c, _ in found])}
    return [
        ContactDuplicate(
            contact=outs[c.id],
            reasons=[MatchReason(kind=k.kind, value=k.value) for k in shared],
            conversation_count=counts[c.id],
        )
        for c, shared in found
    ]


def _outs_with(identities: dict[int, list[Any]], contacts: list[Contact]) -> list[ContactOut]:
    """The contacts as the API shows them, their identities already loaded."""
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
            version=_version(c, identities[c.id]),
        )
        for c in contacts
    ]


def _fields(contact: Contact) -> ContactFields:
    return ContactFields(
        name=contact.name,
        email=contact.email,
        phone=contact.phone,
        tags=tuple(contact.tags),
        notes=contact.notes,
        custom_attributes=dict(contact.custom_attributes),
    )


def merge_contacts(
    uow: UnitOfWork, *, principal: Principal, contact_id: int, other_id: int
) -> ContactOut:
    """One person, two contacts: everything of `other_id` becomes `contact_id`'s (its
    conversations, channel identities, tags, notes, custom attributes, and its e-mail and
    phone where this one has none), then `other_id` is deleted. All in the caller's unit of
    work: a failure anywhere leaves both contacts as they were.

    Agents and supervisors may merge only contacts none of whose conversations are hidden
    from them (403, saying no more); a contact of another workspace is not found (404)."""
    from frontdesk.conversations import service as conversations

    workspace_id = principal.workspace_id
    if contact_id == other_id:
        raise Unprocessable("a contact cannot be merged into itself")
    locked = {
        c.id: c
        for c in repository.lock_contacts(
            uow.session, workspace_id=workspace_id, contact_ids=[contact_id, other_id]
        )
    }
    for wanted in (contact_id, other_id):
        if wanted not in locked:
            raise NotFound(f"no contact {wanted} in this workspace")
    survivor, other = locked[contact_id], locked[other_id]
    for wanted in (contact_id, other_id):
        if conversations.hidden_count_of_contact(
            uow.session, principal=principal, contact_id=wanted
        ):
            raise Forbidden(
                "you may merge only contacts whose conversations you can all see; "
                "ask a supervisor or an admin"
            )
    try:
        merged = merged_fields(_fields(survivor), _fields(other))
    except MergeRefused as exc:
        raise Unprocessable(str(exc)) from exc
    survivor.name = merged.name
    survivor.email = merged.email
    survivor.phone = merged.phone
    survivor.tags = list(merged.tags)
    survivor.notes = merged.notes
    survivor.custom_attributes = dict(merged.custom_attributes)
    survivor.updated_at = uow.now()
    uow.session.flush()
    moved = conversations.move_contact_conversations(
        uow,
        workspace_id=workspace_id,
        from_contact_id=other.id,
        to_contact_id=survivor.id,
        actor_user_id=principal.user_id,
    )
    for hook in _merge_hooks:
        hook(uow, workspace_id, other.id, survivor.id)
    repository.move_identities(uow.session, from_contact_id=other.id, to_contact_id=survivor.id)
    repository.delete_contact(uow.session, workspace_id=workspace_id, contact_id=other.id)
    uow.session.flush()
    out = _out(uow.session, survivor)
    uow.record(
        "contact.merged",
        workspace_id=workspace_id,
        data={
            "contact_id": survivor.id,
            "merged_id": other_id,
            "conversation_ids": moved,
            "contact": out.model_dump(mode="json"),
        },
        actor_user_id=principal.user_id,
    )
    return out
