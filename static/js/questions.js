// Q&A pages. Without this file everything still works through plain forms.
// - Ask form: suggests similar questions while the title is typed (fetches an HTML fragment).
// - Question page: live updates over /ws/questions/<id>/ (new answers, votes, acceptance).
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken][value]:not([value=''])");
    return input ? input.value : "";
  }

  function fillCsrf(root) {
    var token = csrfToken();
    root.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach(function (input) {
      if (!input.value) { input.value = token; }
    });
  }

  function setupSimilar() {
    var form = document.querySelector("form[data-similar-url]");
    if (!form) { return; }
    var title = form.querySelector("[data-similar-title]");
    var box = document.getElementById("similar-questions");
    if (!title || !box) { return; }
    var timer = null;
    var last = "";
    title.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var text = title.value.trim();
        if (text.length < 6 || text === last) { return; }
        last = text;
        var url = form.getAttribute("data-similar-url") + "?title=" + encodeURIComponent(text);
        fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
          .then(function (response) { return response.ok ? response.text() : ""; })
          .then(function (html) { if (text === last) { box.innerHTML = html; } })
          .catch(function () { /* suggestions are optional */ });
      }, 350);
    });
  }

  // The page carries a marker: data-last-answer-id (it holds, here or on another page, every answer up
  // to that id) and data-synced-at (the server's time at render). After every (re)connect the socket
  // asks for what came after it (`resync`), so an answer, vote, edit or acceptance made between the
  // render and the connect, or while disconnected, shows without a reload (docs/PROTOCOL.md).
  // The page's data-live-state says where the socket is: connecting, syncing, live, offline, closed.
  function setupLive() {
    var page = document.querySelector("[data-live-url]");
    if (!page || !window.WebSocket) { return; }
    var list = page.querySelector("[data-answers]");
    var status = page.querySelector(".js-live-status");
    var canAccept = page.hasAttribute("data-can-accept");
    var lastId = parseInt(page.getAttribute("data-last-answer-id"), 10) || 0;
    var since = page.getAttribute("data-synced-at") || null;
    var socket = null;
    var attempts = 0;
    var heading = document.getElementById("answers-title");

    function setState(state, message) {
      page.setAttribute("data-live-state", state);
      if (status && message !== undefined) { status.textContent = message; status.hidden = !message; }
    }

    function send(frame) {
      if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(frame)); }
    }

    function addAnswer(frame) {
      if (!list || document.getElementById("a" + frame.id)) { return; }
      var holder = document.createElement("div");
      holder.innerHTML = frame.html;
      var article = holder.firstElementChild;
      if (!article) { return; }
      fillCsrf(article);
      if (canAccept) {
        article.querySelectorAll("[data-accept-form]").forEach(function (f) { f.hidden = false; });
      }
      list.appendChild(article);
      if (status) { status.hidden = false; status.textContent = page.getAttribute("data-text-new") || ""; }
    }

    function setScore(post, id, score) {
      var target = document.querySelector("[data-score-for='" + post + "-" + id + "'] [data-score]");
      if (target && target.textContent !== String(score)) { target.textContent = score; }
    }

    function showAccepted(answerId) {
      document.querySelectorAll("[data-answer-id]").forEach(function (article) {
        var accepted = String(answerId) === article.getAttribute("data-answer-id");
        article.classList.toggle("is-accepted", accepted);
        var mark = article.querySelector(".qa-accepted-mark");
        if (mark) { mark.hidden = !accepted; }
        if (accepted && list && list.firstElementChild !== article) { list.insertBefore(article, list.firstElementChild); }
      });
    }

    function setAnswerCount(count, title, authoritative) {
      // Answers are never taken away, so a live count lower than the one shown is a late broadcast;
      // a resync's count is the database's.
      if (!heading || typeof title !== "string") { return; }
      var shown = parseInt(heading.getAttribute("data-answer-count"), 10) || 0;
      if (authoritative || count >= shown) {
        heading.setAttribute("data-answer-count", String(count));
        heading.textContent = title;
      }
    }

    function onResynced(frame) {
      // Every answer up to last_id has now been sent; the state is the database's at synced_at.
      lastId = Math.max(lastId, frame.last_id);
      since = frame.synced_at;
      setScore("question", frame.question, frame.score);
      Object.keys(frame.scores || {}).forEach(function (id) { setScore("answer", id, frame.scores[id]); });
      showAccepted(frame.accepted);
      setAnswerCount(frame.answer_count, frame.answers_title, true);
      if (frame.more) {
        send({ type: "resync", after_id: lastId, since: since });
      } else {
        attempts = 0;
        var offline = page.getAttribute("data-text-offline");
        setState("live", status && offline && status.textContent === offline ? "" : undefined);
      }
    }

    function onFrame(frame) {
      if (frame.type === "answer") {
        addAnswer(frame);
      } else if (frame.type === "question_edited") {
        var title = page.querySelector("[data-question-title]");
        var body = page.querySelector("[data-question-body]");
        if (title) { title.textContent = frame.title; }
        if (body) { body.innerHTML = frame.html; }
      } else if (frame.type === "answer_count") {
        setAnswerCount(frame.count, frame.title, false);
      } else if (frame.type === "answer_edited") {
        var target = document.querySelector("#a" + frame.id + " .prose");
        if (target) { target.innerHTML = frame.html; }
      } else if (frame.type === "vote") {
        setScore(frame.post, frame.id, frame.score);
      } else if (frame.type === "accepted") {
        showAccepted(frame.answer);
      } else if (frame.type === "resynced") {
        onResynced(frame);
      } else if (frame.type === "error" && frame.code === "rate_limited") {
        setTimeout(function () { send({ type: "resync", after_id: lastId, since: since }); }, 5000);
      }
    }

    function connect() {
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      setState(attempts ? "offline" : "connecting");
      socket = new WebSocket(scheme + location.host + page.getAttribute("data-live-url"));
      socket.addEventListener("open", function () {
        setState("syncing");
        send({ type: "resync", after_id: lastId, since: since });
      });
      socket.addEventListener("message", function (event) {
        var frame;
        try { frame = JSON.parse(event.data); } catch (e) { return; /* ignore a bad frame */ }
        onFrame(frame);
      });
      socket.addEventListener("close", function (event) {
        socket = null;
        if (event.code === 4401 || event.code === 4403) {
          setState("closed", page.getAttribute(event.code === 4401 ? "data-text-signed-out" : "data-text-closed") || "");
          return;
        }
        setState("offline", page.getAttribute("data-text-offline") || "");
        // Exponential backoff with jitter, 0.5 s doubling to at most 30 s, reset once a resync completes.
        var delay = Math.min(30000, 500 * Math.pow(2, attempts)) * (0.5 + Math.random() / 2);
        attempts++;
        setTimeout(connect, delay);
      });
    }
    connect();
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupSimilar();
    setupLive();
  });
})();
