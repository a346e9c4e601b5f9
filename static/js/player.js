// Plays an artwork's frames in its <pre>. The first frame is already server-rendered,
// so without this script the page shows a still. Honours prefers-reduced-motion: the
// animation then waits for the visitor to press Play.
(function () {
  "use strict";
  var player = document.querySelector("[data-player]");
  var data = document.getElementById("player-frames");
  if (!player || !data) return;
  var frames = JSON.parse(data.textContent);
  var screen = player.querySelector("[data-player-screen]");
  var toggle = player.querySelector("[data-player-toggle]");
  var counter = player.querySelector("[data-player-counter]");
  var fps = Math.max(1, Math.min(60, parseInt(player.dataset.fps, 10) || 10));
  var index = 0;
  var timer = null;

  function show(i) {
    index = i % frames.length;
    screen.textContent = frames[index];
    counter.textContent = "Frame " + (index + 1) + " of " + frames.length;
  }
  function play() {
    if (timer || frames.length < 2) return;
    timer = setInterval(function () { show(index + 1); }, 1000 / fps);
    toggle.textContent = "Pause";
    toggle.setAttribute("aria-pressed", "false");
  }
  function pause() {
    clearInterval(timer);
    timer = null;
    toggle.textContent = "Play";
    toggle.setAttribute("aria-pressed", "true");
  }
  function flip() { if (timer) pause(); else play(); }

  if (frames.length < 2) return;
  toggle.hidden = false;
  toggle.addEventListener("click", flip);
  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (event.key !== " " || tag === "input" || tag === "textarea" || tag === "button" || tag === "a") return;
    event.preventDefault();
    flip();
  });
  var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  if (reduced) pause(); else play();
})();
