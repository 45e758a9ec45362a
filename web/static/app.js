// Hindsight: small progressive enhancements (no inline scripts; CSP-safe).
// Pages work without this file.
(function () {
  "use strict";
  // Raw Markdown editor: a finding's "line N:C" link selects that line.
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest("a[data-line]");
    if (!a) return;
    var ta = document.getElementById("md");
    if (!ta) return;
    ev.preventDefault();
    var line = parseInt(a.getAttribute("data-line"), 10) || 1;
    var lines = ta.value.split("\n");
    var start = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) start += lines[i].length + 1;
    var end = start + (lines[line - 1] || "").length;
    // long lines wrap: measure where the line starts with the text above it
    ta.focus();
    ta.setSelectionRange(start, start);
    ta.blur();
    ta.focus();
    ta.setSelectionRange(start, end);
  });

  // The section editor's rows from the keyboard: Alt+Up and Alt+Down move
  // the focused timeline row or action item, Alt+Enter adds one below. They
  // press the row's own buttons (which work without this file too), then
  // put the focus back in the same field of the moved or added row.
  var refocus = null;
  document.addEventListener("keydown", function (ev) {
    if (!ev.altKey || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
    var key = ev.key === "ArrowUp" ? "up" : ev.key === "ArrowDown" ? "down" : ev.key === "Enter" ? "insert" : "";
    if (!key || !ev.target.closest) return;
    var row = ev.target.closest("#sec-timeline tr.row, #sec-action_items .action-row");
    if (!row) return;
    var btn = row.querySelector('button[data-key="' + key + '"]');
    if (!btn || btn.disabled) return;
    ev.preventDefault();
    refocus = { section: row.closest("fieldset").id, name: key === "insert" ? "" : ev.target.name };
    btn.click();
  });
  // New incident: a restricted template starts the incident restricted
  // whatever the visibility choice says, so choosing one shows it there;
  // choosing another template again puts back what it replaced.
  var before = null;
  document.addEventListener("change", function (ev) {
    var t = ev.target;
    if (!t || t.name !== "template" || !t.form) return;
    var restricted = t.form.querySelector('input[name="visibility"][value="restricted"]');
    if (!restricted) return;
    if (t.hasAttribute("data-restricts")) {
      if (before === null) before = t.form.querySelector('input[name="visibility"]:checked');
      restricted.checked = true;
    } else if (before !== null) {
      if (before) before.checked = true;
      before = null;
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!refocus) return;
    var want = refocus;
    refocus = null;
    var auto = document.querySelector("#" + want.section + " [autofocus]");
    if (!auto) return;
    var row = auto.closest("[data-row]");
    var field = want.name && row ? row.querySelector('[name="' + want.name + '"]') : null;
    (field || auto).focus();
  });
})();
