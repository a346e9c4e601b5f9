// The ASCII player. Every page renders the first frame on the server, so without this
// script a visitor still sees a still. AsciiPlayer plays frames in a <pre> at an fps,
// with the controls the page gives it (each optional): play/pause, a seek bar, frame
// steps, elapsed time, speed, loop, fullscreen and a list of keyboard shortcuts. It
// respects prefers-reduced-motion (the animation then waits for Play) and starts where
// the URL says (#t=2.5 seconds, #f=12 the twelfth frame), like asciinema's t=.
// The artwork page starts one with the frames it fetches from data-frames-url (sent
// apart, so the page stays small), shares and embeds with their json_script; the studio
// editor and the converter drive one for their previews.
(function () {
  "use strict";

  // The speeds offered: the page's speed menu says which (player.html), else these.
  var SPEEDS = [0.25, 0.5, 1, 1.5, 2, 4];

  function AsciiPlayer(root, frames, fps, options) {
    options = options || {};
    var find = function (name) { return root.querySelector("[data-player-" + name + "]"); };
    this.root = root;
    this.loop = options.loop !== false;
    var menu = find("speed");
    this.speeds = menu ? Array.prototype.map.call(menu.options, function (option) {
      return parseFloat(option.value);
    }) : SPEEDS;
    this.speed = this.speeds.indexOf(options.speed) >= 0 ? options.speed : 1;
    this.screen = find("screen");
    this.toggle = find("toggle");
    this.counter = find("counter");
    this.seek = find("seek");
    this.time = find("time");
    this.speedSelect = find("speed");
    this.loopButton = find("loop");
    this.back = find("back");
    this.forward = find("forward");
    this.fullscreen = find("fullscreen");
    this.frames = frames;
    this.fps = fps;
    this.index = 0;
    this.timer = null;
    var self = this;
    if (this.toggle) this.toggle.addEventListener("click", function () { self.flip(); });
    if (this.seek) {
      this.seek.addEventListener("input", function () { self.go(parseInt(self.seek.value, 10)); });
    }
    if (this.speedSelect) {
      this.speedSelect.value = String(this.speed);
      this.speedSelect.addEventListener("change", function () {
        self.setSpeed(parseFloat(self.speedSelect.value));
      });
    }
    if (this.loopButton) {
      this.loopButton.addEventListener("click", function () { self.setLoop(!self.loop); });
    }
    if (this.back) this.back.addEventListener("click", function () { self.step(-1); });
    if (this.forward) this.forward.addEventListener("click", function () { self.step(1); });
    if (this.fullscreen) {
      var canFullscreen = root.requestFullscreen && document.fullscreenEnabled !== false;
      this.fullscreen.hidden = !canFullscreen;
      this.fullscreen.addEventListener("click", function () { self.toggleFullscreen(); });
    }
    var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    this.wantsToPlay = !reduced && options.autoplay !== false;
    root.asciiPlayer = this;
    this.render();
  }

  // m:ss.t, counted in whole tenths (48 frames at 10 fps are 0:04.8, not 0:04.7).
  function clock(seconds) {
    var tenths = Math.round(seconds * 10);
    var whole = Math.floor(tenths / 10);
    var secs = whole % 60;
    return Math.floor(whole / 60) + ":" + (secs < 10 ? "0" : "") + secs + "." + (tenths % 10);
  }

  // How long one frame shows, in milliseconds, at the chosen speed.
  AsciiPlayer.prototype.interval = function () {
    return 1000 / (this.fps * this.speed);
  };
  AsciiPlayer.prototype.show = function (i) {
    var count = this.frames.length;
    this.index = count ? ((i % count) + count) % count : 0;
    this.screen.textContent = this.frames[this.index] || "";
    if (this.counter) this.counter.textContent = "Frame " + (this.index + 1) + " of " + count;
    if (this.seek) {
      this.seek.max = String(Math.max(0, count - 1));
      this.seek.value = String(this.index);
      this.seek.setAttribute("aria-valuetext", "Frame " + (this.index + 1) + " of " + count);
    }
    if (this.time) {
      this.time.textContent = clock(this.index / this.fps) + " / " + clock(count / this.fps);
    }
  };
  AsciiPlayer.prototype.render = function () {
    clearInterval(this.timer);
    this.timer = null;
    this.show(this.index);
    var animates = this.frames.length > 1;
    var self = this;
    [this.toggle, this.seek, this.back, this.forward].forEach(function (control) {
      if (control) control.hidden = !animates;
    });
    if (animates && this.wantsToPlay) {
      this.timer = setInterval(function () {
        if (!self.loop && self.index === self.frames.length - 1) {
          self.wantsToPlay = false;
          self.render();
          return;
        }
        self.show(self.index + 1);
      }, this.interval());
    }
    this.root.dataset.frameInterval = String(this.interval());
    this.root.dataset.playing = this.timer ? "true" : "false";
    // The label says what pressing does; no aria-pressed, which would contradict it.
    if (this.toggle) this.toggle.textContent = this.timer ? "Pause" : "Play";
  };
  AsciiPlayer.prototype.flip = function () {
    this.wantsToPlay = !this.timer;
    if (this.wantsToPlay && !this.loop && this.index === this.frames.length - 1) this.index = 0;
    this.render();
  };
  AsciiPlayer.prototype.go = function (i) {
    this.index = Math.max(0, Math.min(this.frames.length - 1, i));
    this.render();
  };
  // One frame back or on, paused: to look at a frame closely.
  AsciiPlayer.prototype.step = function (by) {
    this.wantsToPlay = false;
    this.show(this.index + by);
    this.render();
  };
  AsciiPlayer.prototype.setSpeed = function (speed) {
    if (this.speeds.indexOf(speed) < 0) return;
    this.speed = speed;
    if (this.speedSelect) this.speedSelect.value = String(speed);
    this.render();
  };
  AsciiPlayer.prototype.setLoop = function (loop) {
    this.loop = loop;
    if (this.loopButton) this.loopButton.setAttribute("aria-pressed", loop ? "true" : "false");
  };
  AsciiPlayer.prototype.toggleFullscreen = function () {
    if (document.fullscreenElement) document.exitFullscreen();
    else if (this.root.requestFullscreen) this.root.requestFullscreen();
  };
  // The start the URL asks for: #t=<seconds> or #f=<frame number>, from 1.
  AsciiPlayer.prototype.startAt = function (hash) {
    var match = /^#(t|f)=(\d+(?:\.\d+)?)$/.exec(hash || "");
    if (!match) return false;
    var value = parseFloat(match[2]);
    var frame = match[1] === "t" ? Math.floor(value * this.fps) : Math.floor(value) - 1;
    this.go(frame);
    return true;
  };
  // The fps arrives checked: the page's from the saved artwork, the editor's held
  // within the limits its form renders. No copy of those limits lives here.
  AsciiPlayer.prototype.update = function (frames, fps) {
    this.frames = frames;
    this.fps = fps;
    this.render();
  };

  window.AsciiPlayer = AsciiPlayer;

  // Keys for the page's player; never while typing in a field, never with a modifier
  // (the browser's own shortcuts stay the browser's).
  function typing(target) {
    var tag = (target.tagName || "").toLowerCase();
    return target.isContentEditable || ["input", "textarea", "select"].indexOf(tag) >= 0;
  }

  function listen(player, help) {
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
      var tag = (event.target.tagName || "").toLowerCase();
      var key = event.key;
      var count = player.frames.length;
      if (key === " " || key === "k") {
        if (tag === "button" || tag === "a") return; // the focused control acts itself
        player.flip();
      } else if (key === "ArrowLeft" || key === "ArrowRight") {
        var by = key === "ArrowLeft" ? -1 : 1;
        // Paused, a frame at a time; playing, a second at a time.
        if (player.timer) player.go(player.index + by * Math.max(1, Math.round(player.fps)));
        else player.step(by);
      } else if (key === "," || key === ".") {
        player.step(key === "," ? -1 : 1);
      } else if (/^[0-9]$/.test(key)) {
        player.go(Math.floor((count * parseInt(key, 10)) / 10));
      } else if (key === "f") {
        player.toggleFullscreen();
      } else if (key === "?") {
        if (help) help.hidden = !help.hidden;
      } else {
        return;
      }
      event.preventDefault();
    });
  }

  function start(root, frames) {
    var fps = parseInt(root.dataset.fps, 10) || 10;
    var player = new AsciiPlayer(root, frames, fps, {
      autoplay: root.dataset.autoplay !== "0",
      loop: root.dataset.loop !== "0",
      speed: parseFloat(root.dataset.speed) || 1,
    });
    root.classList.add("player-ready");
    var help = root.querySelector("[data-player-help]");
    var helpButton = root.querySelector("[data-player-help-toggle]");
    if (helpButton && help) {
      helpButton.addEventListener("click", function () { help.hidden = !help.hidden; });
    }
    if (!player.startAt(window.location.hash) && root.dataset.start) {
      player.startAt("#t=" + root.dataset.start);
    }
    window.addEventListener("hashchange", function () { player.startAt(window.location.hash); });
    listen(player, help);
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
