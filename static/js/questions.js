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

  function setupLive() {
    var page = document.querySelector("[data-live-url]");
    if (!page || !window.WebSocket) { return; }
    var list = page.querySelector("[data-answers]");
    var status = page.querySelector(".js-live-status");
    var canAccept = page.hasAttribute("data-can-accept");
    var delay = 1000;

    function onFrame(frame) {
      if (frame.type === "answer" && list && !document.getElementById("a" + frame.id)) {
        var holder = document.createElement("div");
        holder.innerHTML = frame.html;
        var article = holder.firstElementChild;
        if (!article) { return; }
        fillCsrf(article);
        if (canAccept) {
          article.querySelectorAll("[data-accept-form]").forEach(function (f) { f.hidden = false; });
        }
        list.appendChild(article);
        if (status) { status.hidden = false; status.textContent = status.getAttribute("data-new") || "+1"; }
      } else if (frame.type === "answer_edited") {
        var target = document.querySelector("#a" + frame.id + " .prose");
        if (target) { target.innerHTML = frame.html; }
      } else if (frame.type === "vote") {
        var score = document.querySelector("[data-score-for='" + frame.post + "-" + frame.id + "'] [data-score]");
        if (score) { score.textContent = frame.score; }
      } else if (frame.type === "accepted") {
        document.querySelectorAll("[data-answer-id]").forEach(function (article) {
          var accepted = String(frame.answer) === article.getAttribute("data-answer-id");
          article.classList.toggle("is-accepted", accepted);
          var mark = article.querySelector(".qa-accepted-mark");
          if (mark) { mark.hidden = !accepted; }
          if (accepted && list && list.firstElementChild !== article) { list.insertBefore(article, list.firstElementChild); }
        });
      }
    }

    function connect() {
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      var socket = new WebSocket(scheme + location.host + page.getAttribute("data-live-url"));
      socket.addEventListener("open", function () { delay = 1000; });
      socket.addEventListener("message", function (event) {
        try { onFrame(JSON.parse(event.data)); } catch (e) { /* ignore a bad frame */ }
      });
      socket.addEventListener("close", function (event) {
        if (event.code === 4401 || event.code === 4403) { return; }
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 30000);
      });
    }
    connect();
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupSimilar();
    setupLive();
  });
})();
