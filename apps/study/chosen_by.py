"""What chose a card, in words a learner or an admin reads: the study page, History and the admin say the same.

Built from what every showing records (policy, model version, why it fell back, the
learner's target retention then), so a log keeps its words after the default policy
or the served model changes.
"""

IMPORTED_WORDS = "Imported history (no Mnemo policy chose it)"

POLICY_WORDS = {
    "model_due": "due when its predicted recall falls to {target}",
    "delta": "the card whose study now most raises recall tomorrow",
    "recall_target": "the card predicted closest to {target}",
    "random": "chosen at random (an experiment's control arm)",
}


def chosen_by_words(*, policy: str, model_version: str | None, fallback_reason: str, target_retention: float | None) -> str:
    """E.g. "Model karl-3f2a9c1e0b7d: due when its predicted recall falls to 90%" / "FSRS due order, no model served yet"."""
    if fallback_reason:
        return f"FSRS due order: the model failed ({fallback_reason})"
    target = "your target" if target_retention is None else f"{target_retention:.0%}"
    if policy == "fsrs":
        if model_version:
            return f"FSRS due order, target {target} (model {model_version} predicts, does not choose)"
        return f"FSRS due order, target {target}, no model served yet"
    if policy in POLICY_WORDS:
        words = POLICY_WORDS[policy].format(target=target)
        return f"Model {model_version}: {words}" if model_version else words[0].upper() + words[1:]
    return policy
