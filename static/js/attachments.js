// Upgrades a form's file input ([data-attach] inside a form): an "Attach" button, the chosen files
// listed with a way to take each out, drag and drop onto the form, pasting an image into its text.
// In the room's composer ([data-composer]) a message with files is sent by XHR with a progress bar
// and a cancel button; the server answers an ack (docs/PROTOCOL.md, "Attachments") and the message
// arrives over the room's socket like any other (or the page reloads when there is none).
// Without this file the input is a plain multiple file input and the form posts as it is.
(function () {
  "use strict";

  function human(bytes) {
    if (bytes < 1024) return bytes + " B";
    if (bytes < 1024 * 1024) return Math.round(bytes / 1024) + " KB";
    return (bytes / (1024 * 1024)).toFixed(1) + " MB";
  }

  function upgrade(box) {
    var form = box.closest("form");
    var input = box.querySelector("input[type=file]");
    if (!form || !input || !window.DataTransfer || !window.FormData) return;
    var text = box.dataset;
    var maxFiles = parseInt(text.maxFiles, 10) || 5;
    var maxBytes = parseInt(text.maxBytes, 10) || 10 * 1024 * 1024;
    var chosen = [];
    var textarea = form.querySelector("textarea");

    var button = document.createElement("button");
    button.type = "button";
    button.className = "button small attach-button";
    button.textContent = text.textAttach;
    var listEl = document.createElement("ul");
    listEl.className = "attach-chosen";
    listEl.setAttribute("aria-live", "polite");
    var errorEl = document.createElement("p");
    errorEl.className = "error";
    errorEl.setAttribute("role", "alert");
    errorEl.hidden = true;
    var progressRow = document.createElement("p");
    progressRow.className = "attach-progress";
    progressRow.hidden = true;
    var progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute("aria-label", text.textUploading);
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "link-button";
    cancel.textContent = text.textCancel;
    progressRow.appendChild(progress);
    progressRow.appendChild(cancel);

    input.classList.add("visually-hidden");
    input.tabIndex = -1;
    var label = box.querySelector("label");
    if (label) label.classList.add("visually-hidden");
    // In the room's one-line composer the button sits at the start of the line, the limits are in its title.
    var row = form.querySelector(".composer-row");
    var help = box.querySelector(".help");
    if (row) {
      // A paperclip drawn here: an emoji needs a font that phones and test browsers may lack.
      button.textContent = "";
      var ns = "http://www.w3.org/2000/svg";
      var icon = document.createElementNS(ns, "svg");
      icon.setAttribute("viewBox", "0 0 24 24");
      icon.setAttribute("width", "20");
      icon.setAttribute("height", "20");
      icon.setAttribute("aria-hidden", "true");
      var path = document.createElementNS(ns, "path");
      path.setAttribute("d", "M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5");
      path.setAttribute("fill", "none");
      path.setAttribute("stroke", "currentColor");
      path.setAttribute("stroke-width", "1.8");
      path.setAttribute("stroke-linecap", "round");
      icon.appendChild(path);
      button.appendChild(icon);
      button.title = text.textAttach + (help ? " · " + help.textContent : "");
      button.setAttribute("aria-label", text.textAttach);
      row.insertBefore(button, row.firstChild);
      if (help) help.hidden = true;
    } else {
      box.insertBefore(button, input);
    }
    box.appendChild(listEl);
    box.appendChild(errorEl);
    box.appendChild(progressRow);

    function showError(message) {
      errorEl.textContent = message || "";
      errorEl.hidden = !message;
    }

    function sync() {
      var transfer = new DataTransfer();
      chosen.forEach(function (file) { transfer.items.add(file); });
      input.files = transfer.files;
      listEl.textContent = "";
      chosen.forEach(function (file, index) {
        var li = document.createElement("li");
        li.textContent = file.name + " · " + human(file.size) + " ";
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "link-button";
        remove.textContent = text.textRemove;
        remove.setAttribute("aria-label", text.textRemove + ": " + file.name);
        remove.addEventListener("click", function () { chosen.splice(index, 1); sync(); });
        li.appendChild(remove);
        listEl.appendChild(li);
      });
    }

    function add(files) {
      showError("");
      Array.prototype.forEach.call(files, function (file) {
        if (chosen.length >= maxFiles) { showError(text.textTooMany); return; }
        if (file.size > maxBytes) { showError(text.textTooLarge.replace("{name}", file.name)); return; }
        chosen.push(file);
      });
      sync();
    }

    button.addEventListener("click", function () { input.click(); });
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files);
      add(files);
    });
    // The native picker replaces the input's files (and some browsers empty it when cancelled): what
    // is chosen is put back into it just before the form is sent.
    form.addEventListener("submit", sync);

    form.addEventListener("dragover", function (event) {
      if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) {
        event.preventDefault();
        form.classList.add("is-dropping");
      }
    });
    form.addEventListener("dragleave", function () { form.classList.remove("is-dropping"); });
    form.addEventListener("drop", function (event) {
      form.classList.remove("is-dropping");
      if (!event.dataTransfer || !event.dataTransfer.files.length) return;
      event.preventDefault();
      add(event.dataTransfer.files);
    });
    if (textarea) {
      textarea.addEventListener("paste", function (event) {
        var items = event.clipboardData ? event.clipboardData.files : null;
        if (!items || !items.length) return;
        var images = Array.prototype.filter.call(items, function (file) { return /^image\//.test(file.type); });
        if (!images.length) return;
        event.preventDefault();
        add(images.map(function (file, i) {
          var name = file.name && file.name !== "image.png" ? file.name : text.textPasted + (i ? "-" + i : "") + ".png";
          try { return new File([file], name, {type: file.type}); } catch (e) { return file; }
        }));
      });
    }

    if (!form.hasAttribute("data-composer")) return;  // other forms post their files as they are

    var xhr = null;
    cancel.addEventListener("click", function () { if (xhr) xhr.abort(); });

    // Capture phase: before the room's own submit handler, which sends text over the socket.
    form.addEventListener("submit", function (event) {
      if (!chosen.length) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      if (xhr) return;
      showError("");
      var data = new FormData(form);
      data.delete("files");
      chosen.forEach(function (file) { data.append("files", file, file.name); });
      var clientId = form.querySelector("input[name=client_id]");
      if (clientId && !clientId.value) {
        clientId.value = window.crypto && crypto.randomUUID ? crypto.randomUUID() : "u" + Date.now().toString(36);
        data.set("client_id", clientId.value);
      }
      xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) progress.value = Math.round((e.loaded / e.total) * 100);
      });
      var submit = form.querySelector("button[type=submit]");
      function done() {
        xhr = null;
        progressRow.hidden = true;
        progress.value = 0;
        if (submit) submit.disabled = false;
      }
      xhr.addEventListener("load", function () {
        var answer = null;
        try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
        done();
        if (answer && answer.type === "ack") {
          chosen = [];
          sync();
          if (textarea) { textarea.value = ""; textarea.dispatchEvent(new Event("input", {bubbles: true})); }
          if (clientId) clientId.value = "";
          form.dispatchEvent(new CustomEvent("attachments:sent", {detail: answer}));
          // With no live socket the message would not show: load the page at it.
          if (!document.getElementById("room") || document.getElementById("room").dataset.live !== "1" ||
              !window.WebSocket) {
            window.location.href = form.action.split("#")[0] + "#m" + answer.id;
          }
        } else {
          showError((answer && answer.message) || text.textFailed);
        }
      });
      xhr.addEventListener("error", function () { done(); showError(text.textFailed); });
      xhr.addEventListener("abort", function () { done(); showError(text.textCancelled); });
      progressRow.hidden = false;
      if (submit) submit.disabled = true;
      xhr.send(data);
    }, true);
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-attach]"), upgrade);
})();
