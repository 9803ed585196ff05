// mediamon web: small enhancements only; every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // "/" focuses the search box (unless typing somewhere already).
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT");
    if (event.key === "/" && !typing) {
      var box = document.getElementById("q") || document.getElementById("quick-q");
      if (box) { event.preventDefault(); box.focus(); }
    }
  });
  // Copy buttons: data-copy names the input whose value is copied.
  document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.querySelector(button.getAttribute("data-copy"));
      if (!input) { return; }
      input.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(function () { button.textContent = "copied"; },
                                                         function () { button.textContent = "select + Ctrl-C"; });
      } else {
        button.textContent = "selected: Ctrl-C";
      }
    });
  });
});
