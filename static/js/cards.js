// Cards play their animation while pointed at or focused, where motion is welcome. The
// frames are fetched on the first hover (a versioned, cached URL), never with the page.
(function () {
  "use strict";
  if (!window.matchMedia || window.matchMedia("(prefers-reduced-motion: reduce)").matches) return;
  var fetched = {};

  function framesOf(url) {
    if (!fetched[url]) {
      fetched[url] = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .catch(function () { return null; });
    }
    return fetched[url];
  }

  document.querySelectorAll("[data-card-frames]").forEach(function (link) {
    var art = link.querySelector(".card-art");
    if (!art) return;
    var poster = art.textContent;
    var timer = null;
    var wanted = false;
    function start() {
      wanted = true;
      framesOf(link.dataset.cardFrames).then(function (frames) {
        if (!wanted || timer || !Array.isArray(frames) || frames.length < 2) return;
        var index = 0;
        link.dataset.previewing = "true";
        timer = setInterval(function () {
          index = (index + 1) % frames.length;
          art.textContent = frames[index];
        }, 1000 / (parseInt(link.dataset.fps, 10) || 10));
      });
    }
    function stop() {
      wanted = false;
      clearInterval(timer);
      timer = null;
      delete link.dataset.previewing;
      art.textContent = poster;
    }
    link.addEventListener("mouseenter", start);
    link.addEventListener("focus", start);
    link.addEventListener("mouseleave", stop);
    link.addEventListener("blur", stop);
  });
})();
