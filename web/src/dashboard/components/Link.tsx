// An in-app link: a real <a href> (open in a new tab works), routed in place.
import type { ComponentChildren } from "preact";

import { onLinkClick } from "../router";

type Props = { href: string; class?: string; current?: boolean; children: ComponentChildren };

export function Link({ href, class: className, current, children }: Props) {
  return (
    <a href={href} class={className} aria-current={current ? "page" : undefined} onClick={onLinkClick}>
      {children}
    </a>
  );
}
