// Keyboard shortcuts for the study page (Space/Enter reveal, 1-4 grade, u undo, Esc finish)
// and the response time sent with each answer (from the moment the front was shown).
(function () {
  "use strict";
  let frontShownAt = performance.now();

  function shortcutFor(key) {
    if (key === " " || key === "Enter") return "reveal";
    if (["1", "2", "3", "4", "u", "Escape"].includes(key)) return key;
    return null;
  }

  document.addEventListener("keydown", function (event) {
    if (event.repeat || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, textarea, select")) return;
    const shortcut = shortcutFor(event.key);
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

  document.addEventListener("htmx:afterSwap", function () {
    const card = document.getElementById("study-card");
    if (card && card.dataset.phase === "front") frontShownAt = performance.now();
    if (document.activeElement) document.activeElement.blur();
  });

  // The script is deferred: until it has run, a key press does nothing. The mark lets
  // a page (or a test) tell that the shortcuts are live.
  document.documentElement.dataset.shortcuts = "on";
})();
