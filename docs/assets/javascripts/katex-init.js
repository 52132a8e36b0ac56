// Render the math that pymdownx.arithmatex wraps in .arithmatex spans and divs with the vendored KaTeX.
function renderLosslabMath() {
  document.querySelectorAll(".arithmatex").forEach(function (element) {
    renderMathInElement(element, {
      delimiters: [
        { left: "\\(", right: "\\)", display: false },
        { left: "\\[", right: "\\]", display: true },
      ],
      throwOnError: true,
    });
  });
}
if (typeof document$ !== "undefined") {
  document$.subscribe(renderLosslabMath);
} else {
  document.addEventListener("DOMContentLoaded", renderLosslabMath);
}
