// After a tap on a score, bring the next question into view. Only a help: every page of the
// form works the same without it (plain radio buttons, one "Next" button).
(function () {
  "use strict";
  var form = document.querySelector("form.survey");
  if (!form) return;
  var still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  form.addEventListener("change", function (event) {
    var input = event.target;
    var asked = input && input.type === "radio" && input.closest("fieldset.c");
    if (!asked) return;
    var stops = Array.prototype.slice.call(form.querySelectorAll("fieldset, .next"));
    var next = stops[stops.indexOf(asked) + 1];
    if (!next) return;
    // The first question of a part: show the part's heading with it.
    var part = next.closest("section");
    if (part && part.querySelector("fieldset") === next && part !== asked.closest("section")) {
      next = part;
    }
    next.scrollIntoView({ behavior: still ? "auto" : "smooth", block: "start" });
  });
})();
