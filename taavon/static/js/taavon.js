/* Small behaviours of every page, declared in the markup with data- attributes (no inline
   scripts or on*= handlers: the Content-Security-Policy allows scripts from files only).
   Delegated from the document, so content htmx swaps in later behaves the same.
   - data-copy="text" on a button: copies the text, then shows data-done as its label;
   - data-select-on-focus on an input: selects its whole value when focused;
   - data-confirm="question" on a form: asks before submitting;
   - a table too wide for the screen (.table-responsive that scrolls) takes the keyboard's
     focus, so it can be scrolled without a mouse (WCAG 2.1.1). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button || !navigator.clipboard) { return; }
    navigator.clipboard.writeText(button.dataset.copy).then(function () {
      if (button.dataset.done) { button.textContent = button.dataset.done; }
    });
  });
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) { event.target.select(); }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) { event.preventDefault(); }
  });
  function focusableScrollers(root) {
    root.querySelectorAll(".table-responsive").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth && !box.hasAttribute("tabindex")) { box.setAttribute("tabindex", "0"); }
    });
  }
  focusableScrollers(document);
  document.addEventListener("htmx:afterSettle", function (event) { focusableScrollers(event.target); });
  window.addEventListener("resize", function () { focusableScrollers(document); });
})();
