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

  // Presenter view: arrow keys, Space, Home and End move between slides.
  function presenterKeys(slides) {
    function current() {
      var middle = window.innerHeight / 3;
      var index = 0;
      slides.forEach(function (slide, i) {
        if (slide.getBoundingClientRect().top <= middle) { index = i; }
      });
      return index;
    }
    function go(index) {
      var slide = slides[Math.max(0, Math.min(slides.length - 1, index))];
      slide.setAttribute("tabindex", "-1");
      slide.scrollIntoView();
      slide.focus({ preventScroll: true });
    }
    document.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) { return; }
      var moves = { ArrowRight: 1, ArrowDown: 1, PageDown: 1, " ": 1, ArrowLeft: -1, ArrowUp: -1, PageUp: -1 };
      if (event.key in moves) {
        event.preventDefault();
        go(current() + (event.shiftKey && event.key === " " ? -1 : moves[event.key]));
      } else if (event.key === "Home") {
        event.preventDefault();
        go(0);
      } else if (event.key === "End") {
        event.preventDefault();
        go(slides.length - 1);
      }
    });
  }

  function init() {
    var form = document.querySelector("form.answers");
    if (form) {
      // Keep a question that has an error visible, so its message is seen.
      if (form.querySelector("[data-ild-only].question--error, [data-ild-only] .question--error") === null) {
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
    var slides = Array.prototype.slice.call(document.querySelectorAll("[data-slide]"));
    if (slides.length) {
      presenterKeys(slides);
    }
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
