"""Drive /simulator in Debian's chromium: add a resident, type, see the answer, tap quick replies and Flex buttons.

The bot here is the echo stand-in of tests/bot/simulator/echo_bot.py, which sends every kind of message the
page must render; test_simulator_app_browser.py drives the page against madoguchi itself.
"""

from __future__ import annotations

import pytest

from madoguchi.bot.fake_line.state import RichMenu

pytestmark = pytest.mark.browser

def test_type_see_answer_tap_quick_reply(simulator_server, page):
    from playwright.sync_api import expect

    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A default rich menu as the bot would set it (`madoguchi line richmenu`), read by the page from the fake.
    area = {"bounds": {"x": 0, "y": 0, "width": 2500, "height": 843}}
    menu = {
        "size": {"width": 2500, "height": 843},
        "chatBarText": "メニュー",
        "areas": [{**area, "action": {"type": "message", "label": "相談する", "text": "相談したい"}}],
    }
    simulator_server.state.rich_menus["richmenu-test"] = RichMenu("richmenu-test", menu, b"\x89PNG", "image/png")
    simulator_server.state.default_rich_menu_id = "richmenu-test"
    page.goto(simulator_server.url + "/simulator")
    expect(page.locator("h1")).to_have_text("LINEシミュレーター")

    page.get_by_role("button", name="＋ 新しい住民（友だち追加）").click()
    bot = page.locator("#chat li.bot .message")
    expect(bot.first).to_have_text("友だち追加ありがとうございます")

    # Resident text is shown as text, never as markup.
    page.get_by_label("メッセージ").fill("<img src=x onerror=alert(1)>介護の相談")
    page.get_by_role("button", name="送信").click()
    expect(page.locator("#chat li.resident .message").first).to_have_text("<img src=x onerror=alert(1)>介護の相談")
    expect(bot.nth(1)).to_have_text("「<img src=x onerror=alert(1)>介護の相談」を受け付けました")
    assert page.locator("#chat img").count() == 0

    # Tap a message-action quick reply: it is sent as the resident's text, and answered.
    quick = page.locator("#quick-replies")
    expect(quick.get_by_role("button")).to_have_text(["はい", "いいえ"])
    quick.get_by_role("button", name="はい").click()
    expect(bot.nth(2)).to_have_text("「はい」を受け付けました")

    # Tap the postback quick reply: displayText in the chat, a postback event to the bot.
    quick.get_by_role("button", name="いいえ").click()
    expect(bot.nth(3)).to_have_text("postback: answer=no")
    expect(page.locator("#chat li.resident .message").nth(2)).to_have_text("いいえ")

    # A Flex bubble with buttons: a tel: button shows the number, a postback button goes to the bot.
    page.get_by_label("メッセージ").fill("窓口")
    page.keyboard.press("Enter")
    bubble = page.locator("#chat .flex-bubble")
    expect(bubble).to_contain_text("福祉の窓口")
    bubble.get_by_role("button", name="電話する").click()
    expect(page.locator("#notice")).to_contain_text("0120000000")
    bubble.get_by_role("button", name="相談したい").click()
    expect(bot.last).to_have_text("postback: consult=1")

    page.locator("#rich-menu").get_by_role("button", name="相談する").click()
    expect(bot.last).to_have_text("「相談したい」を受け付けました")

    # A second resident has their own chat; blocking disables the composer.
    page.get_by_role("button", name="＋ 新しい住民（友だち追加）").click()
    expect(page.locator("#current-name")).to_have_text("住民2")
    expect(page.locator("#chat li")).to_have_count(1)
    page.get_by_role("button", name="ブロック", exact=True).click()
    expect(page.get_by_label("メッセージ")).to_be_disabled()

    kinds = [type(e).__name__ for e in simulator_server.received]
    assert kinds.count("PostbackEvent") == 2 and kinds[-1] == "UnfollowEvent"
    assert errors == []
