// Mentoring page upgrades; every form works without this file.
(function () {
  "use strict";
  // Choosing another day in "suggest a duration from the chat" reloads the suggestion at once.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("input[data-suggest-date]") && target.value) {
      target.form.requestSubmit ? target.form.requestSubmit() : target.form.submit();
    }
  });
})();
