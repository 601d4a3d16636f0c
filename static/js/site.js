/*
 * Progressive enhancement for the pages: the track player and the save buttons.
 * Without JavaScript the native <audio controls> play and the save forms post and redirect.
 * With it, plays that pass the ListenBrainz rule (half the track or 4 minutes, whichever is
 * lower) are POSTed to /tracks/<pk>/play, the Skip button posts to /tracks/<pk>/skip, and
 * save/unsave forms are sent with fetch and the button is updated in place.
 */
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function postJson(url, data) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: new URLSearchParams(data),
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (!response.ok || type.indexOf("application/json") === -1) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    });
  }

  function formatTime(seconds) {
    if (!isFinite(seconds) || seconds < 0) return "0:00";
    var whole = Math.floor(seconds);
    var secs = whole % 60;
    return Math.floor(whole / 60) + ":" + (secs < 10 ? "0" : "") + secs;
  }

  /* ListenBrainz: a listen counts after half the track or `cap` seconds, whichever is lower. */
  function listenThreshold(durationSeconds, capSeconds) {
    if (!isFinite(durationSeconds) || durationSeconds <= 0) return capSeconds;
    return Math.min(capSeconds, durationSeconds / 2);
  }

  function setupPlayer(root) {
    var audio = root.querySelector("audio");
    var controls = root.querySelector(".player-controls");
    if (!audio || !controls) return;
    var playButton = root.querySelector("[data-play]");
    var skipButton = root.querySelector("[data-skip]");
    var progress = root.querySelector("[data-progress]");
    var timeLabel = root.querySelector("[data-time]");
    var status = root.querySelector("[data-status]");
    var playCount = root.querySelector("[data-play-count]");
    var playUrl = root.dataset.playUrl;
    var skipUrl = root.dataset.skipUrl;
    var source = root.dataset.source || "browser";
    var capSeconds = parseFloat(root.dataset.listenCapSeconds) || 240;
    var knownSeconds = parseInt(root.dataset.durationMs, 10) / 1000;

    // Seconds actually heard in this play: seeking forward does not count.
    var played = 0;
    var lastTime = null;
    var recorded = false;

    audio.controls = false;
    controls.hidden = false;

    function duration() {
      return isFinite(audio.duration) && audio.duration > 0 ? audio.duration : knownSeconds;
    }

    function say(text) {
      if (status) status.textContent = text;
    }

    function render() {
      var total = duration();
      playButton.textContent = audio.paused ? "▶ Play" : "❚❚ Pause";
      playButton.setAttribute("aria-label", audio.paused ? "Play" : "Pause");
      if (progress) progress.value = total > 0 ? Math.min(audio.currentTime / total, 1) : 0;
      if (timeLabel) {
        timeLabel.textContent = formatTime(audio.currentTime) + (total > 0 ? " / " + formatTime(total) : "");
      }
    }

    function resetPlay() {
      played = 0;
      lastTime = null;
      recorded = false;
      if (skipButton) skipButton.disabled = false;
    }

    function maybeRecord() {
      if (recorded || !playUrl || played < listenThreshold(duration(), capSeconds)) return;
      recorded = true;
      if (skipButton) skipButton.disabled = true;
      postJson(playUrl, { ms_played: Math.round(played * 1000), source: source })
        .then(function (data) {
          say("Counted as a listen.");
          if (playCount) playCount.textContent = data.play_count;
        })
        .catch(function () {
          say("Could not record this listen; check that you are still logged in.");
        });
    }

    playButton.addEventListener("click", function () {
      if (audio.paused) {
        audio.play().catch(function () { say("This browser would not start playback."); });
      } else {
        audio.pause();
      }
    });

    if (skipButton) {
      skipButton.addEventListener("click", function () {
        var heardMs = Math.round(played * 1000);
        audio.pause();
        audio.currentTime = 0;
        resetPlay();
        skipButton.disabled = true;
        postJson(skipUrl, { ms_played: heardMs, source: source })
          .then(function () { say("Skipped."); })
          .catch(function () { say("Could not record the skip."); });
      });
    }

    audio.addEventListener("play", function () {
      // One track at a time: a playlist page holds a player per track.
      document.querySelectorAll("[data-player] audio").forEach(function (other) {
        if (other !== audio && !other.paused) other.pause();
      });
      lastTime = audio.currentTime;
      render();
    });
    audio.addEventListener("pause", render);
    audio.addEventListener("loadedmetadata", render);
    audio.addEventListener("seeking", function () { lastTime = null; });
    audio.addEventListener("seeked", function () { lastTime = audio.currentTime; });
    audio.addEventListener("timeupdate", function () {
      if (lastTime !== null && !audio.seeking && !audio.paused) {
        var delta = audio.currentTime - lastTime;
        if (delta > 0 && delta < 2) played += delta;
      }
      lastTime = audio.currentTime;
      render();
      maybeRecord();
    });
    audio.addEventListener("ended", function () {
      maybeRecord();
      render();
      resetPlay(); // the next play of this track is a new listen
    });
    render();
  }

  function setupSaveToggle(form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button");
      button.disabled = true;
      postJson(form.action, new FormData(form))
        .then(function (data) {
          form.action = data.action;
          button.dataset.saved = data.saved ? "true" : "false";
          button.setAttribute("aria-pressed", data.saved ? "true" : "false");
          button.textContent = data.saved ? "Saved ✓" : "Save to library";
        })
        .catch(function () { form.submit(); })
        .finally(function () { button.disabled = false; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-player]").forEach(setupPlayer);
    document.querySelectorAll("form[data-save-toggle]").forEach(setupSaveToggle);
  });
})();
