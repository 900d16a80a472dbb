/* Small behaviours of every page, declared in the markup with data- attributes (no inline
   scripts or on*= handlers: the Content-Security-Policy allows scripts from files only).
   Delegated from the document, so content htmx swaps in later behaves the same.
   - data-copy="text" on a button: copies the text, then shows data-done as its label;
   - data-select-on-focus on an input: selects its whole value when focused;
   - data-confirm="question" on a form: asks before submitting;
   - data-bs-toggle="collapse" data-bs-target="#id" on a button: shows or hides that element (the
     phone menu; Bootstrap's 80 KB script was loaded on every page for this alone);
   - input[data-jalali-date]: a calendar beside the date input, from js/jalali-datepicker.js, which
     is fetched only by pages that have such an input (its address is this script's
     data-date-picker attribute, hashed like every static file);
   - data-confirm-dialog="id" on a form: shows <dialog id> (the consequence and the confirming form)
     instead of submitting; without the dialog support the form posts and the server asks on a page;
   - data-dialog-close on a button inside a dialog: closes it;
   - a table too wide for the screen (.table-responsive that scrolls) takes the keyboard's
     focus, so it can be scrolled without a mouse (WCAG 2.1.1). */
(function () {
  "use strict";
  var script = document.currentScript;
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest('[data-bs-toggle="collapse"]');
    if (!toggle) { return; }
    var target = document.querySelector(toggle.getAttribute("data-bs-target"));
    if (!target) { return; }
    var shown = target.classList.toggle("show");
    toggle.setAttribute("aria-expanded", shown ? "true" : "false");
  });
  function loadDatePicker() {
    if (loadDatePicker.started || !script || !script.dataset.datePicker) { return; }
    if (!document.querySelector("input[data-jalali-date]")) { return; }
    loadDatePicker.started = true;
    var picker = document.createElement("script");
    picker.src = script.dataset.datePicker;
    document.head.appendChild(picker);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", loadDatePicker);
  } else {
    loadDatePicker();
  }
  document.addEventListener("htmx:load", loadDatePicker);
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
    var asking = event.target.closest("form[data-confirm-dialog]");
    var dialog = asking && document.getElementById(asking.dataset.confirmDialog);
    if (dialog && typeof dialog.showModal === "function") {
      event.preventDefault();
      dialog.showModal();
    }
  });
  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-dialog-close]");
    var dialog = closer && closer.closest("dialog");
    if (dialog) { dialog.close(); }
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
