/* Small behaviours of every page, declared in the markup with data- attributes (no inline
   scripts or on*= handlers: the Content-Security-Policy allows scripts from files only).
   Delegated from the document, so content htmx swaps in later behaves the same.
   - data-copy="text" on a button: copies the text, then shows data-done as its label;
   - data-select-on-focus on an input: selects its whole value when focused;
   - data-confirm="question" on a form: asks before submitting;
   - data-confirm-dialog="id" on a form: shows <dialog id> (the consequence and the confirming form)
     instead of submitting; without the dialog support the form posts and the server asks on a page;
   - data-dialog-close on a button inside a dialog: closes it. */
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
})();
