// The ASCII player. Every page renders the first frame on the server, so without this
// script a visitor still sees a still. AsciiPlayer plays frames in a <pre> at an fps,
// with a play/pause button, the space key, a frame counter, and respect for
// prefers-reduced-motion (the animation then waits for Play). The artwork page starts
// one with the frames it fetches from data-frames-url (sent apart, so the page stays
// small), shares and embeds with their json_script; the studio editor drives one for
// its live preview.
(function () {
  "use strict";

  function AsciiPlayer(root, frames, fps, options) {
    options = options || {};
    this.loop = options.loop !== false;
    this.screen = root.querySelector("[data-player-screen]");
    this.toggle = root.querySelector("[data-player-toggle]");
    this.counter = root.querySelector("[data-player-counter]");
    this.frames = frames;
    this.fps = fps;
    this.index = 0;
    this.timer = null;
    var self = this;
    this.toggle.addEventListener("click", function () { self.flip(); });
    var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    this.wantsToPlay = !reduced && options.autoplay !== false;
    this.render();
  }

  AsciiPlayer.prototype.show = function (i) {
    this.index = this.frames.length ? i % this.frames.length : 0;
    this.screen.textContent = this.frames[this.index] || "";
    this.counter.textContent = "Frame " + (this.index + 1) + " of " + this.frames.length;
  };
  AsciiPlayer.prototype.render = function () {
    clearInterval(this.timer);
    this.timer = null;
    this.show(this.index);
    var animates = this.frames.length > 1;
    this.toggle.hidden = !animates;
    if (animates && this.wantsToPlay) {
      var self = this;
      this.timer = setInterval(function () {
        if (!self.loop && self.index === self.frames.length - 1) {
          self.wantsToPlay = false;
          self.index = -1; // Play starts again from the first frame
          self.render();
          self.show(self.frames.length - 1);
          return;
        }
        self.show(self.index + 1);
      }, 1000 / this.fps);
    }
    // The label says what pressing does; no aria-pressed, which would contradict it.
    this.toggle.textContent = this.timer ? "Pause" : "Play";
  };
  AsciiPlayer.prototype.flip = function () {
    this.wantsToPlay = !this.timer;
    this.render();
  };
  // The fps arrives checked: the page's from the saved artwork, the editor's held
  // within the limits its form renders. No copy of those limits lives here.
  AsciiPlayer.prototype.update = function (frames, fps) {
    this.frames = frames;
    this.fps = fps;
    this.render();
  };

  window.AsciiPlayer = AsciiPlayer;

  function start(root, frames) {
    var fps = parseInt(root.dataset.fps, 10) || 10;
    var player = new AsciiPlayer(root, frames, fps, {
      autoplay: root.dataset.autoplay !== "0",
      loop: root.dataset.loop !== "0",
    });
    document.addEventListener("keydown", function (event) {
      var tag = (event.target.tagName || "").toLowerCase();
      if (event.key !== " " || ["input", "textarea", "select", "button", "a"].indexOf(tag) >= 0) return;
      event.preventDefault();
      player.flip();
    });
  }

  function isFrames(value) {
    return Array.isArray(value) && value.length > 0 &&
      value.every(function (frame) { return typeof frame === "string"; });
  }

  var root = document.querySelector("[data-player]");
  if (!root) return;
  var url = root.dataset.framesUrl;
  if (url) {
    // Until the frames arrive (or if they never do) the page's first frame stays, with
    // the controls hidden. The cookies go along, so owners see their private works.
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("frames: HTTP " + response.status);
        return response.json();
      })
      .then(function (frames) {
        if (isFrames(frames)) start(root, frames);
      }, function () { /* offline or gone: the still is the page */ });
    return;
  }
  var data = document.getElementById("player-frames");
  if (data) start(root, JSON.parse(data.textContent));
})();
