"""Every sideways-scrolling table of the control tower can be scrolled from the keyboard
(axe-core's scrollable-region-focusable, serious: the order page's picks and jobs at 375 px had
no focusable element): the wrapper is focusable and a named region."""

from __future__ import annotations

import re
from pathlib import Path

import flexchain.entrypoints.web as web

TOWER = Path(web.__file__).parent / "templates" / "tower"


def test_every_scroll_wrapper_is_a_focusable_named_region() -> None:
    found = []
    for template in sorted(TOWER.glob("*.html")):
        for tag in re.findall(r'<div class="scroll"[^>]*>', template.read_text()):
            found.append(template.name)
            assert 'tabindex="0"' in tag and 'role="region"' in tag, (template.name, tag)
            assert re.search(r'aria-label="[^"]+"', tag), (template.name, tag)
    assert {"order.html", "orders.html", "inventory.html", "item.html"} <= set(found)
