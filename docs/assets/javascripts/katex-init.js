// Typeset the math with the vendored KaTeX: the spans and divs pymdownx.arithmatex makes
// of the pages' and docstrings' $...$ and $$...$$, and the $-delimited math of the lesson
// notebooks' Markdown cells (mkdocs-jupyter leaves it as text for MathJax, which is not loaded).
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
  document.querySelectorAll(".jupyter-wrapper .jp-RenderedMarkdown").forEach(function (element) {
    renderMathInElement(element, {
      delimiters: [
        { left: "$$", right: "$$", display: true },
        { left: "$", right: "$", display: false },
        { left: "\\(", right: "\\)", display: false },
        { left: "\\[", right: "\\]", display: true },
      ],
      throwOnError: false,
    });
  });
}
if (typeof document$ !== "undefined") {
  document$.subscribe(renderLosslabMath);
} else {
  document.addEventListener("DOMContentLoaded", renderLosslabMath);
}
