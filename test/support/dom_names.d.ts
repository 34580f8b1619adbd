// playwright-core's type declarations name a few DOM types. The project is compiled without
// the DOM library (its code runs on Node, and the DOM's fetch types would replace Node's), so
// these opaque shapes stand in for them.
interface HTMLElement {
  readonly tagName: string;
}
interface SVGElement {
  readonly tagName: string;
}
interface HTMLElementTagNameMap {
  html: HTMLElement;
}
interface Node {
  readonly nodeName: string;
}
