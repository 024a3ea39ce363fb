"""Reminder mail: rendering, messages, the ledger and transports.

    from arcollect.mail.render import Renderer
    rendered = Renderer([template_dir]).render("friendly", "de", context)

`render` turns a template context (docs/INTERFACES.md) into subject, HTML and text (its filters: `formats`, the
locale's money, dates and lists; `wrap`, plain-text layout); `message` wraps that into a
`Reminder`; `ledger` records every reminder exactly once; `transports` hand them to the outbox or a mail server.
"""

from __future__ import annotations
