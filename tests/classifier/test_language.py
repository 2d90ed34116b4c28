"""Language detection: the batch counts (numpy) and the single-message counts (regular expressions) agree."""

from madoguchi.classifier.language import detect_language, detect_languages
from madoguchi.classifier.normalize import normalize_many

TEXTS = normalize_many([
    "", "母の介護がつらい", "介護保険", "介護保険 мир", "こんにちは мир привет", "I lost my job",
    "kaigo ga taihen desu", "도와주세요 너무 힘들어요", "Привет. no point anymore. goodbye",
    "Olá. Meu marido me bate e eu não sei o que fazer", "😢", "110", "привет мир", "สวัสดีค่ะ",
    "สวัสดีค่ะ help please. my friend is bleeding a lot", "ー", "peut-on voir un médecin ici?", "",
])


def test_a_batch_is_read_as_each_message_alone() -> None:
    expected = [detect_language(t) for t in TEXTS]
    assert detect_languages(TEXTS) == expected
    assert detect_languages(TEXTS[::-1]) == expected[::-1]
    assert detect_languages(["", ""]) == [detect_language("")] * 2
    assert set(expected) == {"ja", "en", "other"}
