// Progress bar of a background deck import: poll the progress URL until the import is done or has failed.
(function () {
  "use strict";
  const box = document.getElementById("import-progress");
  if (!box) return;
  const bar = box.querySelector("progress");
  const stage = box.querySelector(".import-stage");
  const outcome = box.querySelector(".import-outcome");

  function show(progress) {
    if (progress.total > 0) {
      bar.max = progress.total;
      bar.value = progress.done;
    }
    stage.textContent = progress.stage ? progress.stage + "…" : progress.status + "…";
    if (progress.status === "done") {
      bar.value = bar.max;
      stage.textContent = "Imported.";
      outcome.innerHTML = "";
      const link = document.createElement("a");
      link.href = progress.deck_url;
      link.textContent = "Open the deck";
      outcome.appendChild(link);
      return true;
    }
    if (progress.status === "failed") {
      stage.textContent = "The import failed and nothing was imported: " + progress.error;
      return true;
    }
    return false;
  }

  function poll() {
    fetch(box.dataset.progressUrl, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (progress) { if (!show(progress)) window.setTimeout(poll, 1000); })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();
