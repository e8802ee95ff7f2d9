"""E-mailing forms and reminders: ``maa send`` and ``maa chase``.

The last stage of the way out: the forms ``issue-forms`` wrote go to each respondent's contact, one
message per respondent with all of its own forms attached, and later a reminder listing what is still
owed. Written as drafts in ``outbox/`` by default (Outlook opens each ready to send), or sent through
the SMTP server the officer names.

* :mod:`.letters` — who gets which forms, the address checks, the attachments;
* :mod:`.wording` — the subject and text, from templates the partnership can edit;
* :mod:`.annotate` — for a return that came back incomplete, a fresh copy of its form with the answers
  given and a note on each one still needed;
* :mod:`.drafts` — RFC 5322 messages and the ``.eml`` drafts in ``outbox/``;
* :mod:`.smtp` — the connection to the mail server (TLS, login, refusals);
* :mod:`.ledger` — what was written or sent, so that nothing is sent twice;
* :mod:`.deliver` — the run shared by both commands; :mod:`.send` and :mod:`.chase` plan them.
"""
