// The generation progress page: polls the status URL and follows the generation.
// Done: the result opens in the editor. Failed: the page reloads to show why.
// Without JavaScript a <meta http-equiv="refresh"> does the same, more slowly.
(function () {
  "use strict";
  var box = document.querySelector("[data-generation-status]");
  if (!box) return;
  var url = box.dataset.generationStatus;
  var label = box.querySelector("[data-status-label]");
  var note = box.querySelector("[data-status-note]");
  var delay = 700;

  function show(data) {
    if (label && data.label) label.textContent = data.label;
    if (note && data.status === "queued" && data.error) {
      note.textContent = " — " + data.error + " Trying again shortly.";
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.status === "done" && data.editor_url) {
          window.location.assign(data.editor_url);
        } else if (data.status === "failed") {
          window.location.reload();
        } else {
          delay = Math.min(delay * 1.5, 5000);
          window.setTimeout(poll, delay);
        }
      })
      .catch(function () {
        delay = Math.min(delay * 2, 10000);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
