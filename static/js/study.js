// Keyboard shortcuts for the study page (Space/Enter reveal, 1-4 grade, u undo, Esc finish,
// Anki's - bury, @ suspend, Ctrl+1..7 flag and Ctrl+0 unflag)
// and the response time sent with each answer (from the moment the front was shown).
(function () {
  "use strict";
  let frontShownAt = performance.now();

  function shortcutFor(event) {
    const key = event.key;
    if (event.ctrlKey && !event.metaKey && !event.altKey && /^[0-7]$/.test(key)) return "flag-" + key;
    if (event.ctrlKey || event.metaKey || event.altKey) return null;
    if (key === " " || key === "Enter") return "reveal";
    if (["1", "2", "3", "4", "u", "Escape", "-", "@"].includes(key)) return key;
    return null;
  }

  // A card with a typed answer ({{type:Field}}) has a text box on its front: Enter in it
  // shows the answer, and the back shows what was typed beside the expected answer.
  let typedAnswer = null;

  function showTypedAnswer() {
    if (typedAnswer === null) return;
    const typed = typedAnswer;
    typedAnswer = null;
    document.querySelectorAll("input.type-answer").forEach(function (box) { box.value = typed; box.disabled = true; });
    document.querySelectorAll("code.type-answer").forEach(function (expected) {
      const mark = document.createElement("span");
      const same = typed.trim().replace(/\s+/g, " ") === expected.textContent.trim().replace(/\s+/g, " ");
      mark.className = "typed-answer " + (same ? "right" : "wrong");
      mark.textContent = typed.trim() || "(nothing typed)";
      expected.parentNode.insertBefore(mark, expected);
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.repeat) return;
    if (event.key === "Enter" && !event.ctrlKey && event.target.matches("input.type-answer")) {
      event.preventDefault();
      const reveal = document.querySelector('[data-shortcut="reveal"]');
      if (reveal) reveal.click();
      return;
    }
    if (event.target.closest("input, textarea, select")) return;
    const shortcut = shortcutFor(event);
    if (!shortcut || !document.getElementById("study-card")) return;
    event.preventDefault();
    if (document.querySelector(".htmx-request")) return;  // one action at a time
    const target = document.querySelector('[data-shortcut="' + shortcut + '"]:not([disabled])');
    if (target) target.click();
  });

  document.addEventListener("submit", function (event) {
    const field = event.target.querySelector('input[name="response_ms"]');
    if (field) field.value = String(Math.round(performance.now() - frontShownAt));
  }, true);

  document.addEventListener("htmx:beforeRequest", function () {
    const box = document.querySelector("input.type-answer:not([disabled])");
    if (box) typedAnswer = box.value;
  });

  document.addEventListener("htmx:afterSwap", function () {
    const card = document.getElementById("study-card");
    if (card && card.dataset.phase === "front") frontShownAt = performance.now();
    if (document.activeElement) document.activeElement.blur();
    if (card && card.dataset.phase === "back") showTypedAnswer();
    const box = card && card.dataset.phase === "front" && card.querySelector("input.type-answer");
    if (box) box.focus();
  });

  const firstBox = document.querySelector('#study-card[data-phase="front"] input.type-answer');
  if (firstBox) firstBox.focus();

  // The script is deferred: until it has run, a key press does nothing. The mark lets
  // a page (or a test) tell that the shortcuts are live.
  document.documentElement.dataset.shortcuts = "on";
})();
