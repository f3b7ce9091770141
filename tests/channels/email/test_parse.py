"""The mail parser: every shared sample reads, charsets (broken ones too), HTML-only mail,
attachments and inline images, auto-replies, bounces and bulk mail, quoted history."""

from __future__ import annotations

import base64
import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.channels.email.parse import BadMail, html_to_text, parse_mail, sanitize_html
from tests.channels.email.conftest import SAMPLES, sample_files

CHATWOOT = SAMPLES / "chatwoot"
MIKEL = SAMPLES / "mikel-mail"


def read(path: Path) -> bytes:
    return path.read_bytes()


@pytest.mark.parametrize("path", sample_files(), ids=lambda p: str(p.relative_to(SAMPLES)))
def test_every_shared_mail_parses_without_an_exception(path: Path) -> None:
    raw = read(path)
    if not raw.strip():
        with pytest.raises(BadMail):
            parse_mail(raw)
        return
    mail = parse_mail(raw)
    # Whatever came in, what is stored is text: no surrogates, no NUL bytes.
    for text in (mail.text, mail.quoted, mail.subject, *(a.file_name for a in mail.attachments)):
        text.encode("utf-8")
        assert "\x00" not in text
    assert mail.external_id


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise_anything_but_bad_mail(raw: bytes) -> None:
    with contextlib.suppress(BadMail):
        parse_mail(raw)


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=300),
    st.text(max_size=300),
    st.sampled_from(["utf-8", "koi8-r", "x-nonsense", "utf-7", ""]),
)
def test_odd_headers_and_charsets_never_raise(subject: str, body: str, charset: str) -> None:
    name = base64.b64encode(subject.encode()).decode()
    raw = (
        f"From: =?{charset or 'utf-8'}?B?{name}?= <a@b.example>\r\n"
        f"Subject: {subject}\r\nContent-Type: text/plain; charset={charset}\r\n\r\n"
    ).encode("utf-8", "surrogateescape") + body.encode("utf-8", "surrogateescape")
    parse_mail(raw)


# ---------------------------------------------------------------------------------- charsets
def _plain(body: bytes, charset: str, subject: str = "Test") -> bytes:
    return (
        b"From: Ivan <ivan@customer.example>\r\nTo: support@shop.example\r\n"
        + f"Subject: {subject}\r\n".encode()
        + f"Content-Type: text/plain; charset={charset}\r\n".encode()
        + b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        + body
    )


@pytest.mark.parametrize("charset", ["koi8-r", "windows-1251", "utf-8", "cp866", "iso-8859-5"])
def test_russian_text_in_any_charset(charset: str) -> None:
    text = "Здравствуйте! Где мой заказ 1042? Ёлка, ёж."
    mail = parse_mail(_plain(text.encode(charset), charset))
    assert mail.text == text


def test_encoded_headers_in_koi8_r() -> None:
    subject = "=?koi8-r?B?" + base64.b64encode("Заказ не пришёл".encode("koi8-r")).decode() + "?="
    raw = _plain("Текст".encode("koi8-r"), "koi8-r", subject=subject)
    raw = raw.replace(
        b"From: Ivan",
        b"From: =?koi8-r?B?" + base64.b64encode("Иван".encode("koi8-r")) + b"?=",
    )
    mail = parse_mail(raw)
    assert mail.subject == "Заказ не пришёл"
    assert mail.sender is not None and mail.sender.name == "Иван"
    assert mail.text == "Текст"


def test_broken_bytes_become_replacement_characters() -> None:
    mail = parse_mail(_plain("Привет ".encode() + b"\xff\xfe\xc3 end", "utf-8"))
    assert mail.text.startswith("Привет")
    assert "\ufffd" in mail.text and mail.text.endswith("end")


def test_an_unknown_charset_falls_back_instead_of_failing() -> None:
    mail = parse_mail(_plain("Grüße".encode("latin-1"), "x-made-up-charset"))
    assert mail.text == "Grüße"


def test_a_lying_charset_is_read_as_utf_8_when_that_fits() -> None:
    mail = parse_mail(_plain("Здравствуйте".encode(), "us-ascii"))
    assert mail.text == "Здравствуйте"


def test_shared_samples_in_japanese_and_korean_charsets() -> None:
    assert parse_mail(read(MIKEL / "multi_charset/japanese_shift_jis.eml")).text.startswith(
        "あいうえお"
    )
    assert parse_mail(read(MIKEL / "multi_charset/japanese_iso_2022.eml")).text == "すみません。"
    assert parse_mail(read(MIKEL / "multi_charset/ks_c_5601-1987.eml")).text == "스티해"
    arabic = parse_mail(read(CHATWOOT / "non_utf_encoded_mail.eml"))
    assert arabic.text.startswith("أنظروا")


# -------------------------------------------------------------------------------------- HTML
def test_html_only_mail_is_shown_as_text_and_kept_sanitized() -> None:
    mail = parse_mail(read(CHATWOOT / "only_html.eml"))
    assert mail.text == "This is html only mail"
    assert mail.html is not None and "<" in mail.html


def test_dangerous_html_is_sanitized() -> None:
    html = (
        '<p onclick="steal()">Hello <b>there</b></p><script>alert(1)</script>'
        '<a href="javascript:alert(2)">click</a><img src="cid:logo@x" alt="logo">'
        '<style>p{display:none}</style><iframe src="https://evil.example"></iframe>'
    )
    raw = (
        b"From: a@customer.example\r\nSubject: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        + html.encode()
    )
    mail = parse_mail(raw)
    assert mail.html is not None
    for bad in ("script", "onclick", "javascript:", "iframe", "<style"):
        assert bad not in mail.html
    assert 'src="cid:logo@x"' in mail.html
    assert mail.text.startswith("Hello there")
    assert "alert" not in mail.text and "display:none" not in mail.text


def test_html_to_text_keeps_blocks_lists_and_quotes() -> None:
    text = html_to_text(
        "<div>Hi,</div><p>two&nbsp;lines<br>here</p><ul><li>one</li><li>two</li></ul>"
        "<blockquote>old <b>text</b></blockquote><pre>a\n  b</pre>"
    )
    assert text.splitlines() == [
        "Hi,",
        "two lines",
        "here",
        "- one",
        "- two",
        "> old text",
        "a",
        "  b",
    ]


def test_sanitize_html_is_idempotent() -> None:
    once = sanitize_html('<p>Hi <a href="https://x.example" onclick="x()">x</a></p>')
    assert sanitize_html(once) == once


# ------------------------------------------------------------------------------ attachments
@pytest.mark.parametrize(
    ("file", "expected"),
    [
        ("attachments_without_text.eml", [("1kb.png", 1049), ("1kb.png", 1049)]),
        ("only_attachments.eml", [("66638193_2047148535391784_8239239177862905856_o.jpg", 203542)]),
        ("html_and_attachments.eml", [("1610894557447.jpg", 172081)]),
        ("email_with_inline_pdf.eml", [("dummy.pdf", 13264)]),
        ("support.eml", [("avatar1.jpeg", 20535), ("avatar2.jpg", 12686)]),
    ],
)
def test_chatwoot_attachments_have_the_right_names_and_sizes(
    file: str, expected: list[tuple[str, int]]
) -> None:
    mail = parse_mail(read(CHATWOOT / file))
    assert [(a.file_name, a.size) for a in mail.attachments] == expected


def test_inline_images_keep_their_content_id() -> None:
    mail = parse_mail(read(CHATWOOT / "mail_with_inline_images.eml"))
    inline = {a.content_id: a.file_name for a in mail.attachments if a.inline}
    assert inline == {
        "ii_lm7fuura0": "poster (8).jpg",
        "ii_lm7fuuvm1": "poster (7).jpg",
        "ii_lm7fuuwn2": "poster (1).jpg",
    }
    assert mail.html is not None and "cid:ii_lm7fuura0" in mail.html


@pytest.mark.parametrize(
    ("file", "name"),
    [
        ("attachment_emails/attachment_nonascii_filename.eml", "ciële.txt"),
        ("attachment_emails/attachment_with_base64_encoded_name.eml", "This is a test.pdf"),
        ("attachment_emails/attachment_with_unquoted_name.eml", "This is a test.txt"),
        ("attachment_emails/attachment_with_quoted_filename.eml", "Eelanalüüsi päring.jpg"),
        ("multi_charset/japanese_attachment.eml", "てすと.txt"),
        ("attachment_emails/attachment_message_rfc822.eml", "ForwardedMessage.eml"),
    ],
)
def test_encoded_attachment_names(file: str, name: str) -> None:
    mail = parse_mail(read(MIKEL / file))
    assert name in [a.file_name for a in mail.attachments]


def test_unnamed_attachments_get_a_name_from_their_type() -> None:
    mail = parse_mail(read(MIKEL / "mime_emails/raw_email11.eml"))
    assert all(a.file_name for a in mail.attachments)


# ---------------------------------------------------------------- auto-replies, bounces, bulk
@pytest.mark.parametrize("file", ["auto_reply.eml", "auto_reply_with_auto_submitted.eml"])
def test_chatwoot_auto_replies_are_recognized(file: str) -> None:
    kind = parse_mail(read(CHATWOOT / file)).classification
    assert kind.auto_reply and kind.automated and not kind.bounce


@pytest.mark.parametrize(
    ("file", "original"),
    [
        (
            "bounced_gmail.eml",
            "conversation/93775311-9416-4428-964b-862001f8a8b2/messages/27855337@gmail.com",
        ),
        ("bounced_with_no_from.eml", None),
    ],
)
def test_chatwoot_bounces_are_recognized(file: str, original: str | None) -> None:
    mail = parse_mail(read(CHATWOOT / file))
    assert mail.classification.bounce and not mail.classification.auto_reply
    assert mail.bounce is not None
    assert mail.bounce.original_message_id == original
    assert mail.bounce.permanent and mail.bounce.reason


def test_a_dsn_names_its_recipients_status_and_reason() -> None:
    mail = parse_mail(read(MIKEL / "multipart_report_emails/multi_address_bounce1.eml"))
    assert mail.bounce is not None
    assert mail.bounce.status == "5.1.1" and mail.bounce.permanent
    assert "bbbbvhvbbvkjbhfbvbvjhb@gmail.com" in mail.bounce.recipients
    assert "does not exist" in mail.bounce.reason
    assert mail.bounce.original_message_id == "118707422.15521266992174819.JavaMail.root@lvmail01"


def test_a_delayed_delivery_is_not_a_failure_yet() -> None:
    mail = parse_mail(read(MIKEL / "multipart_report_emails/report_422.eml"))
    assert mail.bounce is not None and mail.bounce.status == "4.2.2"
    assert not mail.bounce.permanent


def test_bulk_mail_in_the_samples() -> None:
    assert parse_mail(read(MIKEL / "error_emails/bad_date_header.eml")).classification.bulk
    assert not parse_mail(read(CHATWOOT / "support.eml")).classification.automated


# ---------------------------------------------------------------------- threading headers
def test_threading_headers() -> None:
    mail = parse_mail(read(CHATWOOT / "references.eml"))
    assert mail.in_reply_to == ("4e6e35f5a38b4_479f13bb90078178@small-app-01.mail",)
    assert mail.references == (
        "4e6e35f5a38b4_479f13bb90078178@small-app-01.mail",
        "test-reference-id",
    )
    assert mail.thread_ids[0] == "4e6e35f5a38b4_479f13bb90078178@small-app-01.mail"
    several = parse_mail(read(CHATWOOT / "multiple_in_reply_to.eml"))
    assert several.in_reply_to == (
        "4e6e35f5a38b4_479f13bb90078171@small-app-01.mail",
        "4e6e35f5a38b4_479f13bb90078131@small-app-01.mail",
    )


def test_quoted_history_is_collapsed() -> None:
    mail = parse_mail(read(CHATWOOT / "mail_with_quote.eml"))
    assert mail.text == "Yes, I am providing you step how to reproduce this issue"
    assert "Any update on this?" in mail.quoted


def test_a_mail_without_message_id_or_date_still_has_an_external_id() -> None:
    raw = b"From: a@customer.example\r\nSubject: hi\r\n\r\nhello"
    first, again = parse_mail(raw), parse_mail(raw)
    assert first.message_id is None and first.date is None
    assert first.external_id == again.external_id
    assert parse_mail(read(CHATWOOT / "mail_with_no_date.eml")).date is None


def test_obsolete_header_syntax_is_read() -> None:
    mail = parse_mail(read(MIKEL / "rfc2822/example13.eml"))
    assert mail.sender is not None and mail.sender.email == "jdoe@machine.example"


def test_nothing_at_all_is_a_bad_mail() -> None:
    with pytest.raises(BadMail):
        parse_mail(b"")
    with pytest.raises(BadMail):
        parse_mail(b"   \r\n")
