// The generation progress page: polls the status URL and follows the generation.
// Done: the result opens in the editor. Failed, or signed out: the page reloads.
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

  // Any answer but the status (the session ended: a 401; an error page) ends the
  // polling: the reloaded page shows what happened, or sends the visitor to log in.
  function stop() {
    window.location.reload();
  }

  function follow(data) {
    show(data);
    if (data.status === "done" && data.editor_url) {
      window.location.assign(data.editor_url);
    } else if (data.status === "failed") {
      window.location.reload();
    } else {
      delay = Math.min(delay * 1.5, 5000);
      window.setTimeout(poll, delay);
    }
  }

  // No answer at all (offline for a moment): try again, waiting longer each time.
  function retry() {
    delay = Math.min(delay * 2, 10000);
    window.setTimeout(poll, delay);
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.status !== 200 || type.indexOf("application/json") !== 0) return stop();
        return response.json().then(follow, stop);
      }, retry);
  }

  window.setTimeout(poll, delay);
})();
