"""The life-issue category ids (spec/categories.md): fixed, shared by the classifier, the knowledge base,
the bot and the weekly figures."""

from __future__ import annotations

CATEGORY_NAMES: dict[str, str] = {
    "suicide_risk": "死にたい気持ち・自殺",
    "abuse_violence": "虐待・DV・暴力",
    "mental_health": "こころの不調",
    "isolation": "孤立・孤独",
    "hikikomori": "ひきこもり",
    "elderly_care": "介護・高齢者・認知症",
    "disability": "障がい",
    "health": "健康・医療",
    "poverty": "生活困窮・お金",
    "employment": "仕事・就労",
    "housing": "住まい",
    "child_rearing": "妊娠・出産・子育て",
    "school": "学校・不登校・いじめ",
    "other": "その他",
}
CATEGORY_IDS: tuple[str, ...] = tuple(CATEGORY_NAMES)

# Categories whose presence makes a message a crisis (categories.md, "Rules").
CRISIS_CATEGORIES = frozenset({"suicide_risk", "abuse_violence"})
