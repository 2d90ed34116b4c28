"""Everything a resident reads from the bot, in one place for a Japanese reviewer.

Warm, short, plain (やさしい日本語 where it helps); never blaming, never bureaucratic. Functions take
the few facts a sentence needs (a time, a count, names) and return text. LINE message objects are built
in compose.py; the handlers choose which of these to say.
"""

from __future__ import annotations

from datetime import datetime

WEEKDAYS = "月火水木金土日"

# --- buttons and quick replies (LINE: labels at most 20 characters) ---------------------------

CONSENT_BUTTON = "同意して始める"
PRIVACY_BUTTON = "くわしい説明"
TALK_TO_PERSON = "相談員と話したい"
OTHER_PLACES = "ほかの窓口"
CHOOSE_AREA = "地域をえらぶ"
IM_OK = "大丈夫です"
CANCEL_WAITING = "待つのをやめる"
CALL = "電話する"
WEBSITE = "ウェブサイト"
ERASE_YES = "はい、消します"
ERASE_NO = "やめておく"
AREA_UNKNOWN = "わからない"

# Topics offered when the bot is not sure what the worry is about (category id -> label).
TOPICS = {
    "poverty": "お金・生活",
    "elderly_care": "介護",
    "child_rearing": "子育て",
    "mental_health": "こころ",
    "isolation": "ひとりぼっち",
    "hikikomori": "ひきこもり",
    "employment": "仕事",
    "housing": "住まい",
    "school": "学校・いじめ",
    "health": "健康・病気",
    "disability": "障がい",
    "abuse_violence": "家での暴力",
}

# How the bot names a worry in a sentence (「○○のこと」).
TOPIC_WORDS = {
    "suicide_risk": "つらい気持ち",
    "abuse_violence": "暴力や虐待",
    "mental_health": "こころの不調",
    "isolation": "ひとりでいるさみしさ",
    "hikikomori": "ひきこもり",
    "elderly_care": "介護",
    "disability": "障がい",
    "health": "からだや病気",
    "poverty": "お金や生活",
    "employment": "仕事",
    "housing": "住まい",
    "child_rearing": "子育て",
    "school": "学校",
    "other": "困りごと",
}


def local_time(moment: datetime) -> str:
    """12月2日（火）8:30"""
    return f"{moment.month}月{moment.day}日（{WEEKDAYS[moment.weekday()]}）{moment.hour}:{moment.minute:02d}"


# --- first contact -------------------------------------------------------------------------

def greeting(*, duty_hours: str) -> str:
    return (
        "友だち追加ありがとうございます。\n"
        "ここは、くらしの困りごとを匿名で相談できる窓口です。お名前は要りません。\n"
        "お金、介護、子育て、こころのこと、ひとりでつらいこと。どんなことでも、あなたの言葉で送ってください。"
        "合いそうな相談先をすぐにお知らせします。\n\n"
        f"相談員（人）が読んでお返事できる時間：{duty_hours}\n"
        "人と話したいときは「相談員と話したい」と送ってください。\n\n"
        "⚠ ここは緊急の窓口ではありません。いのちの危険があるときは 110（警察）・119（救急）へ電話してください。"
    )


def welcome_back() -> str:
    return "また来てくださって、ありがとうございます。困っていることがあれば、いつでも送ってください。"


def privacy_notice(*, keep_days: int) -> str:
    return (
        "はじめる前に、データの使い方をお知らせします。\n"
        "・送ってくれた内容は、市の相談員が相談のために読みます。\n"
        f"・内容は暗号化して保管し、{keep_days}日たつと消します。\n"
        "・個人がわからない形で、地域に多い困りごとの集計に使います。\n"
        "・「データを消して」と送れば、いつでも消せます。\n"
        "よければ「同意して始める」を押してください。押さなくても、相談先のご案内はできます。"
    )


PRIVACY_ALT = "データの使い方のお知らせ（同意して始める）"


def consent_thanks() -> str:
    return "ありがとうございます。困っていることを、ゆっくりでいいので送ってください。"


def consent_already() -> str:
    return "同意は済んでいます。ありがとうございます。"


def not_kept_note() -> str:
    return "（同意していただくまでは、送ってくれた文章は保存しません。）"


def kept_for_coordinator_note() -> str:
    return "このメッセージは、相談員が読めるように保存します。"


# --- a worry -------------------------------------------------------------------------------

def worry_ack(topics: list[str]) -> str:
    """The acknowledgement fitting the worry; several issues are each named."""
    words = [TOPIC_WORDS.get(t, "困りごと") for t in topics]
    if not words:
        return "話してくださって、ありがとうございます。"
    if len(words) == 1:
        return f"{words[0]}のことで困っているのですね。話してくださって、ありがとうございます。"
    named = "、".join(words[:-1]) + f"、それに{words[-1]}"
    return (
        f"{named}のこと。いくつも重なっていて、たいへんでしたね。話してくださって、ありがとうございます。\n"
        "それぞれに相談できるところがあります。"
    )


def follow_up_ack(topics: list[str]) -> str:
    words = "や".join(TOPIC_WORDS.get(t, "困りごと") for t in topics)
    return f"{words}のことも、教えてくださってありがとうございます。お話に合いそうな相談先を足しました。"


def places_intro(*, follow_up: bool) -> str:
    if follow_up:
        return "くわしく教えてくださって、ありがとうございます。お話に合いそうな相談先を足しました。"
    return "こちらの相談先が力になれそうです。"


def places_more_intro() -> str:
    return "ほかにも、こんな相談先があります。"


def no_more_places() -> str:
    return (
        "ご案内できる相談先は、いまお送りしたもので全部です。"
        "合うところがなければ、相談員が一緒に考えます。「相談員と話したい」を押してください。"
    )


def follow_up_same() -> str:
    return "教えてくださって、ありがとうございます。さきほどの相談先が合っていそうです。相談員と話すこともできます。"


def places_plain(lines: list[str]) -> str:
    """The phone numbers as plain text too (tel: buttons do nothing in LINE for PC)."""
    return "電話番号：\n" + "\n".join(lines)


def hours_open() -> str:
    return "いま受付中"


def hours_next(moment: datetime) -> str:
    return f"いまは時間外。次は {local_time(moment)} から"


def hours_vary() -> str:
    return "受付時間は窓口に確認してください"


def hours_closed_unknown() -> str:
    return "いまは時間外です"


def gentle_question() -> str:
    return (
        "送ってくださって、ありがとうございます。\n"
        "よければ、どんなことで困っているか教えてください。近いものを下から選んでも大丈夫です。"
    )


def gentle_question_en() -> str:
    return "Thank you for your message. What is troubling you? You can choose a topic below."


def topic_prompt(topic: str) -> str:
    return f"{TOPIC_WORDS.get(topic, '困りごと')}のことですね。"


def im_ok() -> str:
    return "わかりました。また困ったことがあれば、いつでも送ってください。"


def intent_greeting() -> str:
    return "こんにちは。困っていることがあれば、あなたの言葉で送ってください。"


def intent_thanks() -> str:
    return "こちらこそ、ありがとうございます。また何かあれば、いつでも送ってください。"


def how_to_use(*, duty_hours: str) -> str:
    return (
        "使い方\n"
        "・困っていることを、そのまま文章で送ってください。合いそうな相談先をお知らせします。\n"
        f"・人と話したいときは「相談員と話したい」。相談員の時間：{duty_hours}\n"
        "・住んでいる地域をえらぶと、近くの相談先をお知らせできます。\n"
        "・「データを消して」と送ると、あなたのデータを消せます。\n"
        "緊急のときは 110（警察）・119（救急）へ。"
    )


# --- English and other languages -----------------------------------------------------------

def english_ack(topics: list[str]) -> str:
    return (
        "メッセージを ありがとうございます。あなたに あう そうだんさきを おくります。\n"
        "Thank you for your message. Here are places that can help. "
        "Some may only speak Japanese. If you want to talk to a person, tap 「相談員と話したい」."
    )


def other_language() -> str:
    return (
        "メッセージを ありがとうございます。ごめんなさい、この ことばは まだ よめません。\n"
        "にほんご か えいご で おくってください。\n"
        "Sorry, I cannot read this language yet. Please write in simple Japanese or English.\n"
        "がいこくごで そうだんできる でんわ："
    )


# --- a crisis ------------------------------------------------------------------------------

CRISIS_WORDS = {
    "suicide": "つらい気持ちを送ってくださって、ありがとうございます。あなたのことが心配です。"
    "ひとりで抱えないでください。いま話を聞いてくれる人がいます。",
    # Whoever writes: the child, a parent afraid of hitting, a neighbour who hears crying. "あなたは悪くあり
    # ません" was right for the child and wrong for the parent; that it is never the child's fault is right
    # for all three.
    "child_abuse": "話してくれて、ありがとう。子どもがこわい思いをするのは、子どものせいではありません。"
    "子どもと家族を守るための相談先があります。",
    "domestic_violence": "話してくださって、ありがとうございます。あなたは悪くありません。"
    "あなたの安全がいちばん大切です。",
    "elder_abuse": "話してくださって、ありがとうございます。ひとりで抱えなくて大丈夫です。"
    "高齢の方を守るための相談先があります。",
    "sexual_violence": "話してくださって、ありがとうございます。あなたは悪くありません。"
    "安心して話せる相談先があります。",
    "general": "話してくださって、ありがとうございます。あなたのことが心配です。ひとりで抱えないでください。",
}

CRISIS_LINES_ALT = "いますぐ話せる相談先"


def crisis_words(kinds: list[str]) -> str:
    for kind in kinds:
        if kind in CRISIS_WORDS:
            return CRISIS_WORDS[kind]
    return CRISIS_WORDS["general"]


def crisis_in_simple_words() -> str:
    """For a crisis written in English or a language the bot does not read: the rest of the answer is in
    Japanese, so what to do now is said again in simple Japanese and English."""
    return (
        "メッセージは とどいています。あぶない ときは すぐ 110（けいさつ）か 119（きゅうきゅう）へ。\n"
        "We got your message. If you are in danger now, call 110 (police) or 119 (ambulance). "
        "Yorisoi Hotline 0120-279-338 (24 hours, free) can help in other languages."
    )


def crisis_emergency() -> str:
    return "いま危険なときは、すぐに 110（警察）か 119（救急）に電話してください。"


def crisis_lines_plain(lines: list[str]) -> str:
    return "いま電話できる相談先：\n" + "\n".join(lines) + "\n\n" + crisis_emergency()


def crisis_also_places(topics: list[str], lines: list[str]) -> str:
    words = "、".join(TOPIC_WORDS.get(t, "困りごと") for t in topics)
    return f"あわせて、{words}のことの相談先です：\n" + "\n".join(lines)


def crisis_on_duty() -> str:
    return "相談員にもすぐに伝えました。このあと、ここで相談員がお返事します。"


def crisis_off_duty(next_duty: datetime | None) -> str:
    when = f"{local_time(next_duty)}から" if next_duty else "次の受付時間に"
    return (
        "いまは相談員の時間外のため、すぐにはお返事できません。ごめんなさい。"
        f"相談員は{when}、いちばんにあなたのメッセージを読みます。\n"
        "それまでは、24時間つながる電話に相談してください。"
    )


def crisis_with_person() -> str:
    return "相談員にも伝えました。いま話せる電話もあります："


def crisis_repeat() -> str:
    return (
        "送ってくださって、ありがとうございます。ちゃんと届いています。"
        "さきほどお知らせした電話に、いつでも相談できます。危険なときは 110・119 へ。"
    )


def crisis_kept_note() -> str:
    return "あなたを守るため、このメッセージは相談員が読めるように保存します。"


# --- asking for a person -------------------------------------------------------------------

def queued_on_duty(*, position: int, wait_minutes: int | None) -> str:
    where = "いま、あなたがいちばん前です。" if position <= 1 else f"いま、あなたの前に{position - 1}人待っています。"
    estimate = (
        f"目安はおよそ{wait_minutes}分です（混み具合で前後します）。"
        if wait_minutes is not None
        else "順番にお返事します。混んでいると少し時間がかかることがあります。"
    )
    return f"相談員につなぎます。{where}\n{estimate}\n待っている間に送ったメッセージも、相談員が読みます。"


def queued_off_duty(next_duty: datetime | None) -> str:
    when = f"{local_time(next_duty)}から" if next_duty else "次の受付時間に"
    return (
        "いまは相談員の時間外です。ごめんなさい。\n"
        f"相談員は{when}、順番にお返事します。メッセージはそのまま送っておいてください。\n"
        "すぐに話したいときは、24時間の電話もあります："
    )


def still_waiting(*, position: int) -> str:
    return f"相談員を待っているところです（いま{position}番目）。もう少しお待ちください。"


def waiting_ack() -> str:
    return "受け取りました。相談員が読みます。もう少しお待ちください。"


def waiting_cancelled() -> str:
    return "待つのをやめました。また話したくなったら、いつでも「相談員と話したい」と送ってください。"


def not_waiting() -> str:
    return "いまは相談員を待っていません。話したいときは「相談員と話したい」を押してください。"


def crisis_cancel_kept() -> str:
    return (
        "わかりました。ただ、あなたのことが心配なので、相談員には伝えたままにしています。"
        "返事をしたくないときは、しなくても大丈夫です。"
    )


def handed_back() -> str:
    return (
        "相談員との話は、ここでいったん終わります。話してくださって、ありがとうございました。\n"
        "また困ったことがあれば、いつでも送ってください。"
    )


def closed() -> str:
    return (
        "この相談は、いったん終わりにします。話してくださって、ありがとうございました。\n"
        "また何かあれば、いつでも送ってください。新しく相談を受け付けます。"
    )


# --- other events --------------------------------------------------------------------------

def sticker() -> str:
    return "スタンプをありがとうございます。困っていることがあれば、文章で送ってください。"


def media(kind: str) -> str:
    names = {"image": "画像", "video": "動画", "audio": "音声", "file": "ファイル", "location": "位置情報"}
    what = names.get(kind, "メッセージ")
    return (
        f"{what}をありがとうございます。ごめんなさい、ここでは文字のメッセージだけ読むことができます。"
        "困っていることを文章で送ってください。"
    )


def choose_area() -> str:
    return "住んでいる地域をえらんでください。近くの相談先をお知らせします。"


def area_set(name: str) -> str:
    return f"地域を「{name}」にしました。"


def area_cleared() -> str:
    return "地域はえらばずに進めます。市全体と全国の相談先をお知らせします。"


def area_none() -> str:
    return "地域の情報がまだありません。市全体と全国の相談先をお知らせします。"


def unknown_button() -> str:
    return "ごめんなさい、そのボタンはもう使えません。困っていることを文章で送ってください。"


# --- erasure -------------------------------------------------------------------------------

def erase_confirm() -> str:
    return (
        "あなたのデータを消しますか？\n"
        "これまでのメッセージと、このアカウントとのつながりの記録を消します。消したあとは元に戻せません。"
    )


ERASE_CONFIRM_ALT = "データを消しますか？"


def erase_cancelled() -> str:
    return "消さずにそのままにしました。"


def erased() -> str:
    return (
        "あなたのデータを消しました。メッセージと、このアカウントとのつながりの記録は残っていません。\n"
        "（何件の相談があったかという、だれのものかわからない数だけは残ります。）\n"
        "また困ったことがあれば、いつでも送ってください。"
    )


def erase_held(*, crisis: bool, record_hold: bool, keep_days: int) -> str:
    reasons = []
    if crisis:
        reasons.append(
            "いのちや安全にかかわるお話があったため、あなたを守るための記録として、その相談のメッセージを"
            f"最後のやりとりから{keep_days}日間保管します"
        )
    if record_hold:
        reasons.append(
            "市の決まりで保管が必要な相談のため（記録保全）、その相談のメッセージを、保管の期間が終わるまで残します"
        )
    return (
        "それ以外のデータは消しました。\n"
        + "。\n".join(reasons)
        + "。\nその間は、このアカウントとのつながりの記録も残ります。保管している記録は、相談員だけが読めます。"
        "期間が終わると、残りもすべて消します。"
    )
