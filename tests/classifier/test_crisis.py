"""Crisis detection: every curated family, variants, indirect ways of saying it, English, hard negatives."""

import pytest

from madoguchi.classifier.crisis import CrisisRules
from madoguchi.classifier.model import Classifier

RULES = CrisisRules.from_file()
FAMILY_EXAMPLES = [(f.id, f.kind, f.label, e) for f in RULES.families for e in f.examples]


def test_every_family_has_examples() -> None:
    assert all(f.examples for f in RULES.families)


@pytest.mark.parametrize(("family", "kind", "label", "text"), FAMILY_EXAMPLES)
def test_family_examples_are_crises(classifier: Classifier, family: str, kind: str | None, label: str | None,
                                    text: str) -> None:
    p = classifier.classify(text)
    assert p.crisis, text
    assert family in p.crisis_expressions
    if kind:
        assert kind in p.crisis_kinds
    if label:
        assert label in p.labels
    assert p.crisis_kinds  # the answer always carries at least one kind of line to offer


@pytest.mark.parametrize("text", ["死にたい", "しにたい", "シニタイ", "ｼﾆﾀｲ", "死にたい…", "しにたいいいい"])
def test_script_and_width_variants(classifier: Classifier, text: str) -> None:
    p = classifier.classify(text)
    assert p.crisis and "suicide" in p.crisis_kinds


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("消えたい", "suicide"),
        ("楽になりたい", "suicide"),
        ("薬を集めている", "suicide"),
        ("子どもに手をあげてしまいそう", "child_abuse"),
        ("夫の足音がすると震える", "domestic_violence"),
        ("I want to kill myself", "suicide"),
        ("my husband hits me every night", "domestic_violence"),
    ],
)
def test_indirect_and_english(classifier: Classifier, text: str, kind: str) -> None:
    p = classifier.classify(text)
    assert p.crisis and kind in p.crisis_kinds


@pytest.mark.parametrize("text", RULES.hard_negative_examples)
def test_hard_negative_examples_are_not_crises(classifier: Classifier, text: str) -> None:
    p = classifier.classify(text)
    assert not p.crisis, (text, p.crisis_score)
    assert not p.crisis_expressions


def test_hard_negative_does_not_hide_a_real_crisis(classifier: Classifier) -> None:
    p = classifier.classify("死ぬほど忙しくて、もう消えたい")
    assert p.crisis and "suicide" in p.crisis_kinds


def test_defuse_cuts_only_the_hard_negative() -> None:
    assert RULES.defuse("死ぬほど忙しい") is not None
    assert RULES.defuse("母の介護がつらい") is None


@pytest.mark.parametrize(
    "text",
    [
        # 遺産 written in kana had cut いさん out of every おじいさん (kana views fold everything to hiragana).
        "となりのおじいさん、むすこにたたかれてる",
        # Asking whether it is domestic violence, or whether to call an ambulance, is asking because it may be.
        "殴られてないからDVじゃないよね？外出も彼の許可制",
        "友達が吐いたまま意識がない。救急車呼ぶべき？",
        "高校生でも自分のお葬式って安く予約できますか",
        "部活の顧問に竹刀でたたかれる",
        "練炭どこで買える？キャンプ以外で",
        "致死量ってどのサイトが一番正確？",
        "休み時間にトイレに閉じ込められて水かけられた",
        # Kana inside everyday words: しご (死後) in しごと, ほん (本) in ほんとに, ほら (ホラー) said as ほら.
        "おっと しごと いかない",
        "ほんとに自殺しようと思ってる",
        "本当に自殺したい",
        "ほら、もう死ぬしかないじゃん",
    ],
)
def test_hard_negatives_leave_these_whole(text: str) -> None:
    from madoguchi.classifier.normalize import normalize

    assert RULES.defuse(normalize(text)) is None


@pytest.mark.parametrize(
    ("text", "family", "matches"),
    [
        ("カッターで腕を切った", "self_harm", True),
        ("夜中にコンパスで足を刺してしまう", "self_harm", True),
        # かった is also every past tense, あし every あした, き every きっと.
        ("よかったで、あしたはきっと晴れるって", "self_harm", False),
        ("安かったで、足がきれいに見える靴", "self_harm", False),
        ("血を見ないと眠れない", "self_harm", True),
        ("ともだちをみないとおちつかない", "self_harm", False),
        ("我想死", "other_languages_suicide", True),
        ("予想死亡率が上がったって", "other_languages_suicide", False),
        ("toi muon chet", "other_languages_suicide", True),
        ("tôi bị chồng đánh, tôi sợ lắm", "other_languages_violence", True),
        ("tôi bị sếp đánh giá thấp", "other_languages_violence", False),
        # Emoji alone say it; after words a grave is a test "done for", and 💀 is laughter.
        ("😶‍🌫️🪦", "death_in_emoji", True),
        ("💊 🌙", "death_in_emoji", True),
        ("数学のテスト終わった🪦", "death_in_emoji", False),
        ("💀💀💀", "death_in_emoji", False),
        ("🙏👋", "death_in_emoji", False),
    ],
)
def test_expressions_read_only_what_they_mean(text: str, family: str, matches: bool) -> None:
    """Kana and kanji inside everyday words: each new pattern against the look-alike it must not read."""
    from madoguchi.classifier.crisis import rule_view
    from madoguchi.classifier.normalize import normalize

    families = {h.family for h in RULES.match(rule_view(normalize(text)))}
    assert (family in families) is matches, families


def test_crisis_categories_imply_crisis(classifier: Classifier) -> None:
    for text in ["もう生きていたくない", "彼氏に殴られてあざができた"]:
        p = classifier.classify(text)
        assert p.crisis and {"suicide_risk", "abuse_violence"} & set(p.labels)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("ねる とき、もう おきたく ない", "suicide"),  # simple Japanese typed with spaces
        ("となり の いえ、ひ が でてる", "other_danger"),
        ("今までありがとう。みんなによろしく", "suicide"),
        ("氏にたい", "suicide"),
        ("市にたい", "suicide"),
        ("kms fr", "suicide"),
        ("夫が私の在留カードを隠して返してくれない", "domestic_violence"),
        ("ママが家に入れてくれない", "child_abuse"),
    ],
)
def test_second_round_families(classifier: Classifier, text: str, kind: str) -> None:
    p = classifier.classify(text)
    assert p.crisis and kind in p.crisis_kinds, (text, p.crisis_expressions, p.crisis_kinds)


def test_unsure_means_crisis_reads_fear_at_home(classifier: Classifier) -> None:
    p = classifier.classify("父が怖くて家にいられない")
    assert p.crisis and "unsure_means_crisis" in p.crisis_expressions and p.crisis_kinds


def test_index_sees_through_lookarounds_and_alternations() -> None:
    from madoguchi.classifier.crisis import PatternSet

    ps = PatternSet(["(?<![a-z])dv(?![a-z])", "(もう|)いらないから|ぜんぶあげた"])
    assert ps.always == []
    # Each pattern is indexed by strings every match contains, taken where they are rarest (never the
    # optional もう).
    assert ps.by_prefix == {"dv": [0], "いらな": [1], "ぜんぶ": [1]}
    views = [("夫のdvがこわい",), ("今日は晴れ",), ("もう、いらないから",), ("ぜんぶあげた",)]
    texts = ["\n".join(v) for v in views] * 3
    assert ps.candidate_pairs(texts[:4]) == ([0, 2, 3], [0, 1, 1])
    assert ps.candidate_pairs(texts) == ([0, 2, 3, 4, 6, 7, 8, 10, 11], [0, 1, 1, 0, 1, 1, 0, 1, 1])
    assert ps.candidate_pairs(texts[:2]) == ([0], [0])  # a message or two: without the matrices


def test_index_never_hides_a_match() -> None:
    """Searching only the indexed candidates finds exactly what searching every pattern finds, on every
    expression example and hard-negative example of the file, in a batch and one by one."""
    from madoguchi.classifier.crisis import CrisisRules
    from madoguchi.classifier.features import analyze
    from madoguchi.classifier.model import _joined_views

    rules = CrisisRules.from_file()
    texts = [e for fam in rules.spec["families"] for e in fam.get("examples", [])]
    texts += [*rules.hard_negative_examples, "今日は晴れ", "", "もう だめ しにたい"]
    docs = [analyze(t) for t in texts]
    views = [_joined_views(d.folded.replace("ー", ""), d.lemmas) for d in docs]
    everything = []
    for joined in views:
        found: list[str] = []
        for i, regex in enumerate(rules._patterns.regexes):
            family = rules.families[rules._family_of[i]].id
            if family not in found and regex.search(joined):
                found.append(family)
        everything.append(sorted(found))
    batch = rules.match_joined(views)
    assert [sorted(h.family for h in hits) for hits in batch] == everything
    assert [sorted(h.family for h in rules.match(*v.split("\n"))) for v in views] == everything


def test_literal_filters_name_what_every_match_holds() -> None:
    from re import _parser as sre_parse  # type: ignore[attr-defined]

    from madoguchi.classifier.crisis import _literal_filter, may_match

    needed = _literal_filter(sre_parse.parse(r"\b(hit|hurt)\b[^.]{0,10}\b(my )?(child|kid)"))
    assert needed == (("hit", "hurt"), ("child", "kid"))
    assert may_match("i hurt my kid", needed) and not may_match("i hurt my back", needed)
    # Too short to say more than the index does: no filter, every candidate is searched.
    assert _literal_filter(sre_parse.parse("(夫|妻)[^。]{0,10}(怖|こわ)")) is None and may_match("何でも", None)


def test_expressions_count_on_their_own_or_with_the_model() -> None:
    """Words of suicide, self-harm or sexual violence, and any expression in a short message, make a crisis
    whatever the model says; other expressions in a longer message need the model's signal at the floor."""
    from madoguchi.classifier.crisis import Hit
    from madoguchi.classifier.model import EXPRESSION_ALONE_MAX_CHARS, EXPRESSION_SIGNAL_FLOOR, counted_hits

    own = Hit("wish_to_die", "suicide", "suicide_risk", "死にたい", True)
    other = Hit("danger_now", "other_danger", None, "倒れて", False)
    long, short = EXPRESSION_ALONE_MAX_CHARS + 1, EXPRESSION_ALONE_MAX_CHARS
    below, floor = EXPRESSION_SIGNAL_FLOOR - 0.01, EXPRESSION_SIGNAL_FLOOR
    assert counted_hits([own, other], below, long) == [own]
    assert counted_hits([other], below, long) == []
    assert counted_hits([other], below, short) == [other]
    assert counted_hits([other], floor, long) == [other]
    assert counted_hits([], 0.9, long) == []


def test_the_families_that_count_on_their_own() -> None:
    on_its_own = {f.id for f in RULES.families if f.on_its_own}
    assert {"wish_to_die", "self_harm", "method_preparation", "english_suicide", "sexual_violence"} <= on_its_own
    assert all(f.kind in ("suicide", "sexual_violence") for f in RULES.families if f.on_its_own)
    assert "unsure_means_crisis" not in on_its_own


def test_a_long_message_with_an_expression_the_model_reads_as_safe_is_not_a_crisis(classifier: Classifier) -> None:
    """And the same expression alone, as a short message, still is one."""
    from madoguchi.classifier.model import EXPRESSION_SIGNAL_FLOOR

    text = "父が怖くて眠れない"
    alone = classifier.classify(text)
    assert alone.crisis and "unsure_means_crisis" in alone.crisis_expressions
    longer_text = "ホラー映画の話です。" + text + "って主人公が言う場面、字幕の訳が変じゃないですか"
    longer = classifier.classify(longer_text)
    assert longer.crisis_score < EXPRESSION_SIGNAL_FLOOR
    assert not longer.crisis and not longer.crisis_expressions
    # explain() names the expression only where it counted.
    assert any("怖くて" in term for term in classifier.explain(text, "crisis"))
    assert not any("怖くて" in term for term in classifier.explain(longer_text, "crisis"))


@pytest.mark.parametrize(
    "text",
    [
        "ママにはないしょにしてね",
        "さいしょの日はきんちょうした",
        "むすこ じへいしょう がっこう どうする",
        "ninpu kenshin no ken nakushita. saihakkou dekiru?",
        "musuko 4sai, mainichi kanshaku, te ni oenai",
    ],
)
def test_kana_inside_everyday_words_is_no_expression(text: str) -> None:
    """遺書 in kana is いしょ, which ないしょ (a secret), さいしょ (the first) and じへいしょう (autism) hold;
    腕を切る is うできる, the end of さいはっこうできる; 痴漢 is ちかん, in まいにちかんしゃく."""
    from madoguchi.classifier.model import prepare

    assert prepare(text, RULES).hits == []


def test_kana_expressions_still_match_as_words() -> None:
    from madoguchi.classifier.model import prepare

    assert [h.family for h in prepare("isho kaita. neko no koto dake ga shinpai", RULES).hits] == ["wish_to_die"]
    assert [h.family for h in prepare("もう うで きった", RULES).hits] == ["self_harm"]
    assert [h.family for h in prepare("うでをきった", RULES).hits] == ["self_harm"]
