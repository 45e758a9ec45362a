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
    ta.focus();
    ta.setSelectionRange(start, end);
    var lh = parseFloat(getComputedStyle(ta).lineHeight) || 18;
    ta.scrollTop = Math.max(0, (line - 5) * lh);
  });
})();
