// The frame editor: the frames as a strip of thumbnails, one frame edited at a time in a
// canvas-sized box (with the previous frame faint behind it), frames added, duplicated,
// deleted and moved, undo and redo, size problems marked as they are typed, a warning
// before leaving unsaved work and a draft kept in the browser.
//
// Without this script the form's one textarea (frames between separator lines) is the
// editor; with it, that textarea stays the field the form sends, rewritten from the
// frames on every change, so the server sees the same thing either way.
(function () {
  "use strict";
  var form = document.querySelector("[data-editor]");
  if (!form) return;
  var text = form.querySelector("textarea[name=frames_text]");
  if (!text) return;
  var SEPARATOR = form.dataset.separator;
  var MAX_FRAMES = parseInt(form.dataset.maxFrames, 10) || 500;
  var MAX_WIDTH = parseInt(form.dataset.maxWidth, 10) || 300;
  var MAX_HEIGHT = parseInt(form.dataset.maxHeight, 10) || 150;
  var widthField = form.querySelector("input[name=width]");
  var heightField = form.querySelector("input[name=height]");
  var DRAFT_KEY = "asciigallery-draft:" + form.getAttribute("action");

  function split(value) {
    var result = [], current = [];
    value.replace(/\r\n?/g, "\n").split("\n").forEach(function (line) {
      if (line.replace(/\s+$/, "") === SEPARATOR) { result.push(current.join("\n")); current = []; }
      else { current.push(line); }
    });
    result.push(current.join("\n"));
    if (result.length > 1 && result[result.length - 1] === "") result.pop();
    return result;
  }
  function join(list) { return list.join("\n" + SEPARATOR + "\n"); }

  var state = { frames: split(text.value), index: 0 };
  var undoStack = [], redoStack = [];
  var dirty = false, typing = false;

  // --- The page ------------------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }
  function button(act, label, title) {
    return el("button", { type: "button", class: "button button-secondary button-small",
                          "data-act": act, title: title || label, text: label });
  }
  var toolbar = el("div", { class: "frame-toolbar", role: "toolbar", "aria-label": "Frames" }, [
    button("add", "Add frame", "Add an empty frame after this one (Alt+N)"),
    button("duplicate", "Duplicate", "Copy this frame after it (Alt+D)"),
    button("earlier", "Move earlier", "Alt+Shift+←"),
    button("later", "Move later", "Alt+Shift+→"),
    button("delete", "Delete frame"),
    button("undo", "Undo", "Alt+Z"),
    button("redo", "Redo", "Alt+Y"),
    button("download", "Download .json", "The frames as they are now, as a JSON file"),
  ]);
  var onion = el("input", { type: "checkbox", "data-onion": "" });
  onion.checked = true;
  toolbar.appendChild(el("label", { class: "onion-toggle" }, [onion, document.createTextNode(" Onion skin")]));
  var strip = el("ol", { class: "frame-strip", "aria-label": "Frames, in order" });
  var under = el("pre", { class: "frame-onion", "aria-hidden": "true" });
  var frameText = el("textarea", { class: "frame-text", spellcheck: "false", wrap: "off",
                                   "data-frame-text": "", "aria-describedby": "frame-problems" });
  var canvas = el("div", { class: "frame-canvas" }, [under, frameText]);
  var status = el("p", { class: "frame-status", "aria-live": "polite" });
  var problems = el("ul", { class: "frame-problems", id: "frame-problems", "aria-live": "polite" });
  var keys = el("p", { class: "help frame-keys",
    text: "Alt+← and Alt+→ go to the previous and next frame; Alt+N adds, Alt+D duplicates," +
          " Alt+Shift+← and → move; Alt+Z undoes, Alt+Y redoes." });
  var editor = el("div", { class: "frame-editor", "data-frame-editor": "" },
                  [toolbar, strip, status, canvas, problems, keys]);
  var help = text.parentNode.querySelector(".help");  // the textarea's, about separators
  if (help) help.textContent = "Edit one frame at a time; the strip shows them all, in order.";
  text.hidden = true;
  text.insertAdjacentElement("afterend", editor);

  // --- Rules, the server's (gallery/frames.py) -----------------------------------------
  // The canvas typed in, else the largest the server takes (an empty field is measured).
  function size() {
    return { width: parseInt(widthField.value, 10) || MAX_WIDTH,
             height: parseInt(heightField.value, 10) || MAX_HEIGHT };
  }
  function problemsOf(list) {
    var found = [], limits = size();
    if (list.length > MAX_FRAMES) {
      found.push({ frame: -1, text: "An artwork can have at most " + MAX_FRAMES + " frames; this one has " + list.length + "." });
    }
    list.forEach(function (frame, i) {
      var lines = frame.split("\n");
      if (limits.height && lines.length > limits.height) {
        found.push({ frame: i, text: "Frame " + (i + 1) + " has " + lines.length + " lines; the height is " + limits.height + "." });
      }
      if (limits.width) {
        lines.forEach(function (line, j) {
          if (line.length > limits.width) {
            found.push({ frame: i, text: "Line " + (j + 1) + " of frame " + (i + 1) + " is " + line.length +
                         " characters wide; the width is " + limits.width + "." });
          }
        });
      }
    });
    return found;
  }

  // --- Drawing ---------------------------------------------------------------------------
  function draw() {
    var list = state.frames, found = problemsOf(list);
    var bad = {};
    found.forEach(function (problem) { bad[problem.frame] = true; });
    strip.textContent = "";
    list.forEach(function (frame, i) {
      var thumb = el("button", { type: "button", class: "frame-thumb" + (bad[i] ? " has-problem" : ""),
                                 "aria-pressed": i === state.index ? "true" : "false",
                                 "aria-label": "Frame " + (i + 1) + (bad[i] ? ", too big" : ""),
                                 "data-frame": String(i) },
                         [el("pre", { "aria-hidden": "true", text: frame }),
                          el("span", { class: "frame-number", text: String(i + 1) })]);
      strip.appendChild(el("li", {}, [thumb]));
    });
    if (frameText.value !== list[state.index]) frameText.value = list[state.index];
    frameText.setAttribute("aria-label", "Frame " + (state.index + 1) + " of " + list.length);
    frameText.setAttribute("aria-invalid", bad[state.index] ? "true" : "false");
    // As tall as the canvas (or the frame, if taller), as wide as the canvas typed in.
    var lines = frameText.value.split("\n").length;
    frameText.rows = Math.max(3, Math.min(MAX_HEIGHT, Math.max(lines, parseInt(heightField.value, 10) || 0)));
    frameText.cols = Math.max(10, parseInt(widthField.value, 10) || 40);
    canvas.style.setProperty("--cols", String(frameText.cols));
    under.textContent = onion.checked && state.index > 0 ? list[state.index - 1] : "";
    status.textContent = "Frame " + (state.index + 1) + " of " + list.length;
    problems.textContent = "";
    found.slice(0, 5).forEach(function (problem) { problems.appendChild(el("li", { text: problem.text })); });
    if (found.length > 5) problems.appendChild(el("li", { text: "…and " + (found.length - 5) + " more." }));
    toolbar.querySelector("[data-act=delete]").disabled = list.length < 2;
    toolbar.querySelector("[data-act=earlier]").disabled = state.index === 0;
    toolbar.querySelector("[data-act=later]").disabled = state.index === list.length - 1;
    toolbar.querySelector("[data-act=undo]").disabled = undoStack.length === 0;
    toolbar.querySelector("[data-act=redo]").disabled = redoStack.length === 0;
    toolbar.querySelector("[data-act=add]").disabled = list.length >= MAX_FRAMES;
    toolbar.querySelector("[data-act=duplicate]").disabled = list.length >= MAX_FRAMES;
  }

  // The form's own field, and the preview that listens to it (editor.js).
  function sync() {
    text.value = join(state.frames);
    text.dispatchEvent(new Event("input"));
    dirty = true;
    saveDraft();
  }

  // --- Changes, undoable ---------------------------------------------------------------
  function snapshot() { return { frames: state.frames.slice(), index: state.index }; }
  function change(apply) {
    undoStack.push(snapshot());
    redoStack = [];
    typing = false;
    apply();
    sync();
    draw();
  }
  var actions = {
    add: function () { state.frames.splice(state.index + 1, 0, ""); state.index += 1; },
    duplicate: function () {
      state.frames.splice(state.index + 1, 0, state.frames[state.index]);
      state.index += 1;
    },
    "delete": function () {
      state.frames.splice(state.index, 1);
      state.index = Math.min(state.index, state.frames.length - 1);
    },
    earlier: function () { move(-1); },
    later: function () { move(1); },
  };
  function move(by) {
    var to = state.index + by;
    if (to < 0 || to >= state.frames.length) return;
    var frame = state.frames.splice(state.index, 1)[0];
    state.frames.splice(to, 0, frame);
    state.index = to;
  }
  function undo() {
    if (!undoStack.length) return;
    redoStack.push(snapshot());
    var previous = undoStack.pop();
    state.frames = previous.frames; state.index = previous.index;
    typing = false;
    sync(); draw();
  }
  function redo() {
    if (!redoStack.length) return;
    undoStack.push(snapshot());
    var next = redoStack.pop();
    state.frames = next.frames; state.index = next.index;
    typing = false;
    sync(); draw();
  }
  // The frames as the JSON export writes them, which the upload field takes back.
  function download() {
    var blob = new Blob([JSON.stringify({ frames: state.frames }, null, 2)], { type: "application/json" });
    var link = el("a", { href: URL.createObjectURL(blob), download: "frames.json" });
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
  }
  function go(i) {
    state.index = Math.max(0, Math.min(state.frames.length - 1, i));
    typing = false;
    draw();
    frameText.focus();
  }

  toolbar.addEventListener("click", function (event) {
    var act = event.target.closest("[data-act]");
    if (!act || act.disabled) return;
    var name = act.dataset.act;
    if (name === "undo") undo();
    else if (name === "redo") redo();
    else if (name === "download") download();
    else if (name === "delete" && state.frames.length < 2) return;
    else change(actions[name]);
  });
  onion.addEventListener("change", draw);
  strip.addEventListener("click", function (event) {
    var thumb = event.target.closest("[data-frame]");
    if (thumb) go(parseInt(thumb.dataset.frame, 10));
  });
  frameText.addEventListener("input", function () {
    // A run of typing is one step to undo.
    if (!typing) { undoStack.push(snapshot()); redoStack = []; typing = true; }
    state.frames[state.index] = frameText.value.replace(/\r\n?/g, "\n");
    sync();
    draw();
  });
  [widthField, heightField].forEach(function (field) { field.addEventListener("input", draw); });

  // Alt with a letter or an arrow: never a key that types, never one the browser owns.
  editor.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    var handled = true;
    if (event.code === "ArrowRight" && event.shiftKey) change(actions.later);
    else if (event.code === "ArrowLeft" && event.shiftKey) change(actions.earlier);
    else if (event.code === "ArrowRight") go(state.index + 1);
    else if (event.code === "ArrowLeft") go(state.index - 1);
    else if (event.code === "KeyN") change(actions.add);
    else if (event.code === "KeyD") change(actions.duplicate);
    else if (event.code === "KeyZ") undo();
    else if (event.code === "KeyY") redo();
    else handled = false;
    if (handled) event.preventDefault();
  });

  // --- Unsaved work ----------------------------------------------------------------------
  var draftTimer = null;
  function saveDraft() {
    clearTimeout(draftTimer);
    draftTimer = setTimeout(function () {
      try {
        localStorage.setItem(DRAFT_KEY, JSON.stringify({ text: text.value, savedAt: Date.now() }));
      } catch (error) { /* private mode, or full: no draft */ }
    }, 300);
  }
  function forgetDraft() {
    clearTimeout(draftTimer);
    try { localStorage.removeItem(DRAFT_KEY); } catch (error) { /* nothing kept */ }
  }
  window.addEventListener("beforeunload", function (event) {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";
  });
  form.addEventListener("submit", function () { dirty = false; forgetDraft(); });

  function offerDraft() {
    var draft = null;
    try { draft = JSON.parse(localStorage.getItem(DRAFT_KEY) || "null"); } catch (error) { draft = null; }
    if (!draft || typeof draft.text !== "string" || draft.text === text.value) return;
    var when = new Date(draft.savedAt || Date.now());
    var restore = el("button", { type: "button", class: "button button-small", text: "Restore it" });
    var discard = el("button", { type: "button", class: "button button-secondary button-small", text: "Discard it" });
    var offer = el("div", { class: "alert draft-offer", role: "status" }, [
      el("p", { text: "This browser kept frames you did not save (" + when.toLocaleString() + ")." }),
      el("p", { class: "actions" }, [restore, discard]),
    ]);
    editor.insertAdjacentElement("beforebegin", offer);
    restore.addEventListener("click", function () {
      change(function () { state.frames = split(draft.text); state.index = 0; });
      offer.remove();
    });
    discard.addEventListener("click", function () { forgetDraft(); offer.remove(); });
  }

  draw();
  offerDraft();
})();
