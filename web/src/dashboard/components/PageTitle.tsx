// A page's heading and the document's title; the heading takes the focus
// after in-app navigation, so a screen reader announces the new page.
import { useEffect, useRef } from "preact/hooks";

let first = true;

export function PageTitle({ title }: { title: string }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · maic`;
  }, [title]);
  useEffect(() => {
    if (first) first = false;
    else heading.current?.focus();
  }, []);
  return (
    <h1 ref={heading} tabIndex={-1}>
      {title}
    </h1>
  );
}
