// The studio editor: a live preview of the frames being typed, and size presets.
(function () {
  "use strict";
  var form = document.querySelector("[data-editor]");
  var preview = document.querySelector("[data-preview]");
  if (!form || !preview || !window.AsciiPlayer) return;
  // The rules come from the server (gallery/frames.py), rendered on the form.
  var SEPARATOR = form.dataset.separator;
  var MIN_FPS = parseInt(form.dataset.minFps, 10);
  var MAX_FPS = parseInt(form.dataset.maxFps, 10);
  var text = form.querySelector("textarea[name=frames_text]");
  var fps = form.querySelector("input[name=fps]");

  function speed() {
    // The typed fps, held within the limits; an empty or odd field plays at 10.
    return Math.max(MIN_FPS, Math.min(MAX_FPS, parseInt(fps.value, 10) || 10));
  }

  function frames() {
    var result = [], current = [];
    text.value.replace(/\r\n?/g, "\n").split("\n").forEach(function (line) {
      if (line.replace(/\s+$/, "") === SEPARATOR) { result.push(current.join("\n")); current = []; }
      else { current.push(line); }
    });
    result.push(current.join("\n"));
    return result;
  }

  preview.hidden = false;
  document.querySelector("[data-preview-note]").textContent =
    "Plays as you type. Saving checks every frame against the size.";
  var player = new window.AsciiPlayer(preview, frames(), speed());
  var pending = null;
  function fitWidth(list) {
    // Scale the preview's font so the widest line fits (see .editor-preview in site.css).
    var widest = parseInt(form.querySelector("input[name=width]").value, 10) || 1;
    list.forEach(function (frame) {
      frame.split("\n").forEach(function (line) { widest = Math.max(widest, line.length); });
    });
    var tallest = parseInt(form.querySelector("input[name=height]").value, 10) || 1;
    list.forEach(function (frame) { tallest = Math.max(tallest, frame.split("\n").length); });
    var screen = preview.querySelector("[data-player-screen]");
    screen.style.setProperty("--cols", widest);
    screen.style.setProperty("--rows", tallest);
  }
  function refresh() {
    clearTimeout(pending);
    pending = setTimeout(function () {
      var list = frames();
      fitWidth(list);
      player.update(list, speed());
    }, 150);
  }
  fitWidth(frames());
  text.addEventListener("input", refresh);
  fps.addEventListener("input", refresh);

  var preset = document.querySelector("[data-preset]");
  preset.addEventListener("change", function () {
    var option = preset.options[preset.selectedIndex];
    if (!option.value) return;
    form.querySelector("input[name=width]").value = option.dataset.width;
    form.querySelector("input[name=height]").value = option.dataset.height;
    fps.value = option.dataset.fps;
    refresh();
  });
})();
