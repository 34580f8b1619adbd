// playwright-core's declarations name four DOM types. Declaring them here (empty, so that they
// merge with the real ones wherever the DOM library is loaded) avoids `lib: dom`, whose
// RequestInit would replace Node's for every file, `dispatcher` and all.

// biome-ignore lint/suspicious/noEmptyInterface: a placeholder merged with the DOM's own
interface HTMLElement {}
// biome-ignore lint/suspicious/noEmptyInterface: a placeholder merged with the DOM's own
interface SVGElement {}
// biome-ignore lint/suspicious/noEmptyInterface: a placeholder merged with the DOM's own
interface HTMLElementTagNameMap {}
// biome-ignore lint/suspicious/noEmptyInterface: a placeholder merged with the DOM's own
interface Node {}
