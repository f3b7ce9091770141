"""Every query on contacts, identities and attribute definitions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, or_, select, union, update
from sqlalchemy.orm import Session

from frontdesk.contacts.models import Contact, ContactIdentity, CustomAttributeDefinition
from frontdesk.core.models import insert_row


def get(session: Session, *, workspace_id: int, contact_id: int) -> Contact | None:
    return session.execute(
        select(Contact).where(Contact.id == contact_id, Contact.workspace_id == workspace_id)
    ).scalar_one_or_none()


def by_ids(session: Session, *, workspace_id: int, contact_ids: Iterable[int]) -> list[Contact]:
    ids = list(set(contact_ids))
    if not ids:
        return []
    return list(
        session.execute(
            select(Contact).where(Contact.workspace_id == workspace_id, Contact.id.in_(ids))
        ).scalars()
    )


def find_by_identities(
    session: Session, *, workspace_id: int, identities: Sequence[tuple[str, str]]
) -> int | None:
    if not identities:
        return None
    conditions = [(ContactIdentity.kind == k) & (ContactIdentity.value == v) for k, v in identities]
    return session.execute(
        select(ContactIdentity.contact_id)
        .where(ContactIdentity.workspace_id == workspace_id, or_(*conditions))
        .order_by(ContactIdentity.contact_id)
        .limit(1)
    ).scalar_one_or_none()


def identities_of(
    session: Session, *, contact_ids: Iterable[int]
) -> dict[int, list[ContactIdentity]]:
    ids = list(contact_ids)
    result: dict[int, list[ContactIdentity]] = {i: [] for i in ids}
    if ids:
        for identity in session.execute(
            select(ContactIdentity)
            .where(ContactIdentity.contact_id.in_(ids))
            .order_by(ContactIdentity.id)
        ).scalars():
            result[identity.contact_id].append(identity)
    return result


def identity_owner(session: Session, *, workspace_id: int, kind: str, value: str) -> int | None:
    return session.execute(
        select(ContactIdentity.contact_id).where(
            ContactIdentity.workspace_id == workspace_id,
            ContactIdentity.kind == kind,
            ContactIdentity.value == value,
        )
    ).scalar_one_or_none()


def replace_identities(
    session: Session,
    *,
    workspace_id: int,
    contact_id: int,
    identities: Sequence[tuple[str, str]],
    now: object,
) -> None:
    session.execute(delete(ContactIdentity).where(ContactIdentity.contact_id == contact_id))
    session.add_all(
        ContactIdentity(
            workspace_id=workspace_id, contact_id=contact_id, kind=k, value=v, created_at=now
        )
        for k, v in dict.fromkeys(identities)
    )


def search(
    session: Session, *, workspace_id: int, q: str | None, after_id: int | None, limit: int
) -> list[Contact]:
    stmt = select(Contact).where(Contact.workspace_id == workspace_id)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(
            or_(Contact.name.ilike(like), Contact.email.ilike(like), Contact.phone.ilike(like))
        )
    if after_id is not None:
        stmt = stmt.where(Contact.id < after_id)
    return list(session.execute(stmt.order_by(Contact.id.desc()).limit(limit)).scalars())


def attribute_definitions(
    session: Session, *, workspace_id: int, applies_to: str | None = None
) -> list[CustomAttributeDefinition]:
    stmt = select(CustomAttributeDefinition).where(
        CustomAttributeDefinition.workspace_id == workspace_id
    )
    if applies_to:
        stmt = stmt.where(CustomAttributeDefinition.applies_to == applies_to)
    return list(session.execute(stmt.order_by(CustomAttributeDefinition.id)).scalars())


def attribute_definition(
    session: Session, *, workspace_id: int, definition_id: int
) -> CustomAttributeDefinition | None:
    return session.execute(
        select(CustomAttributeDefinition).where(
            CustomAttributeDefinition.id == definition_id,
            CustomAttributeDefinition.workspace_id == workspace_id,
        )
    ).scalar_one_or_none()


def delete_attribute_definition(session: Session, *, definition_id: int) -> None:
    session.execute(
        delete(CustomAttributeDefinition).where(CustomAttributeDefinition.id == definition_id)
    )


# New rows of this capability are added (and flushed, for their ids) through here.
insert = insert_row


# ----------------------------------------------------------------------- duplicates and merge
def duplicate_candidates(
    session: Session,
    *,
    workspace_id: int,
    contact_id: int,
    emails: Sequence[str],
    phones: Sequence[str],
    identity_kinds: Sequence[str],
    limit: int,
) -> list[int]:
    """Other contacts with one of these stored e-mails or phones, in their own fields or as an
    identity: equality lookups on (workspace, email), (workspace, phone) and the identities'
    (workspace, kind, value) indexes, in one statement."""
    values = [*emails, *phones]
    if not values:
        return []
    parts = []
    if emails:
        parts.append(
            select(Contact.id.label("id")).where(
                Contact.workspace_id == workspace_id, Contact.email.in_(list(emails))
            )
        )
    if phones:
        parts.append(
            select(Contact.id.label("id")).where(
                Contact.workspace_id == workspace_id, Contact.phone.in_(list(phones))
            )
        )
    parts.append(
        select(ContactIdentity.contact_id.label("id")).where(
            ContactIdentity.workspace_id == workspace_id,
            ContactIdentity.kind.in_(list(identity_kinds)),
            ContactIdentity.value.in_(values),
        )
    )
    found = union(*parts).subquery()
    return list(
        session.execute(
            select(found.c.id).where(found.c.id != contact_id).order_by(found.c.id).limit(limit)
        ).scalars()
    )


def lock_contacts(
    session: Session, *, workspace_id: int, contact_ids: Sequence[int]
) -> list[Contact]:
    """The contacts, locked until the end of the transaction (PostgreSQL; SQLite has one
    writer), in id order so two merges of the same pair cannot deadlock."""
    return list(
        session.execute(
            select(Contact)
            .where(Contact.workspace_id == workspace_id, Contact.id.in_(list(contact_ids)))
            .order_by(Contact.id)
            .with_for_update()
        ).scalars()
    )


def move_identities(session: Session, *, from_contact_id: int, to_contact_id: int) -> None:
    session.execute(
        update(ContactIdentity)
        .where(ContactIdentity.contact_id == from_contact_id)
        .values(contact_id=to_contact_id)
    )


def delete_contact(session: Session, *, workspace_id: int, contact_id: int) -> None:
    session.execute(
        delete(Contact).where(Contact.id == contact_id, Contact.workspace_id == workspace_id)
    )
