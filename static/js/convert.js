// The convert page: the preview follows the options as they change. Without this
// script the "Update preview" button posts the form and the page comes back with it.
(function () {
  "use strict";
  var form = document.querySelector("[data-converter]");
  var preview = document.querySelector("[data-convert-preview]");
  var data = document.getElementById("preview-frames");
  if (!form || !preview || !data || !window.AsciiPlayer) return;
  var note = document.querySelector("[data-preview-note]");
  var screen = preview.querySelector("[data-player-screen]");
  var player = new window.AsciiPlayer(preview, JSON.parse(data.textContent),
    parseInt(preview.dataset.fps, 10) || 10);
  var pending = null, latest = 0;

  function query() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && name !== "action") params.append(name, value);
    });
    return params.toString();
  }
  function show(result) {
    screen.style.setProperty("--cols", result.width);
    screen.style.setProperty("--rows", result.height);
    preview.style.setProperty("--cols", result.width);
    preview.style.setProperty("--rows", result.height);
    player.update(result.frames, result.fps);
    var text = result.width + "×" + result.height + " characters";
    if (result.partial) text += "; the first frame (all are converted when you convert)";
    else if (result.frames.length > 1) text += ", " + result.frames.length + " frames at " + result.fps + " fps";
    note.textContent = text + ".";
  }
  function refresh() {
    clearTimeout(pending);
    pending = setTimeout(function () {
      var ticket = ++latest;
      preview.setAttribute("aria-busy", "true");
      fetch(form.dataset.previewUrl + "?" + query(), {
        credentials: "same-origin", headers: { Accept: "application/json" },
      })
        .then(function (response) { return response.json(); })
        .then(function (result) {
          if (ticket !== latest) return; // an older answer arriving late
          preview.removeAttribute("aria-busy");
          if (result.error) note.textContent = result.error;
          else show(result);
        }, function () {
          preview.removeAttribute("aria-busy");
          note.textContent = "The preview could not be updated; “Update preview” tries again.";
        });
    }, 250);
  }
  form.addEventListener("input", function (event) {
    var shown = form.querySelector('[data-shows="' + event.target.name + '"]');
    if (shown) shown.textContent = event.target.value;
    refresh();
  });
  form.addEventListener("change", refresh);
  form.querySelector("[data-preview-button]").addEventListener("click", function (event) {
    event.preventDefault();
    refresh();
  });
})();
