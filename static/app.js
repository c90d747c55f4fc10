// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Show the ILD questions only when ILD is present. Hidden questions are
  // disabled, so they are not sent, but their answers are kept if ILD is
  // set back to present.
  function syncIldQuestions(form) {
    var chosen = form.querySelector('input[name="ild"]:checked');
    var show = chosen !== null && chosen.value === "present";
    form.querySelectorAll("[data-ild-only]").forEach(function (question) {
      question.classList.toggle("is-hidden", !show);
      question.querySelectorAll("input").forEach(function (input) {
        input.disabled = !show;
      });
    });
  }

  function init() {
    var form = document.querySelector("form.answers");
    if (form) {
      // Keep a question that has an error visible, so its message is seen.
      if (form.querySelector("[data-ild-only].question--error") === null) {
        syncIldQuestions(form);
      }
      form.querySelectorAll('input[name="ild"]').forEach(function (radio) {
        radio.addEventListener("change", function () { syncIldQuestions(form); });
      });
    }
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
